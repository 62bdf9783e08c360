-- Concern (issue 5): whether the child has a learning disability, as the practitioner answered it on the
-- screening page when the record does not say. The screening rule "a child with a learning disability showing
-- risk indicators is never suggested below the floor" needs it, and a draft must keep it between pages.
ALTER TABLE concern ADD COLUMN learning_disability boolean;
