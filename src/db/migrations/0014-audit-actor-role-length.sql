-- An audit row names the actor's roles, space-separated (auditActorOf in src/platform/access/actor.ts). 0002 allowed
-- 100 characters, but a user may hold all ten roles (119 characters): every audited action of such a user failed
-- on the check and answered 500 (found by test/integration/api-fuzz.test.ts). 400 characters leaves room for new
-- roles. Widening a CHECK changes no row, so the sealed hash chain is untouched.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_actor_role_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_actor_role_check CHECK (length(actor_role) <= 400);
