-- Referral state machine (issue 5): the trigger from 0010 refused an illegal move with SQLSTATE 23514
-- (check_violation), which every CHECK constraint raises too, so the application could not tell a conflicting
-- change (someone else moved the referral first) from a bug, and answered 500. The same checks now raise their own
-- code, OM409, in an implementation-defined class ("OM", OpenMACE), which the referral service answers as a
-- conflict (409, "someone else changed this"). The function is replaced; its trigger stays as it was.
CREATE OR REPLACE FUNCTION referral_check_transition() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
         (OLD.status = 'submitted' AND NEW.status IN ('in-review', 'withdrawn'))
      OR (OLD.status = 'in-review' AND NEW.status IN ('decided', 'withdrawn'))) THEN
      RAISE EXCEPTION 'referral cannot move from % to %', OLD.status, NEW.status USING ERRCODE = 'OM409';
    END IF;
    IF OLD.status IN ('decided', 'withdrawn') THEN
      RAISE EXCEPTION 'a % referral is final', OLD.status USING ERRCODE = 'OM409';
    END IF;
    RETURN NEW;
  END
  $$;
