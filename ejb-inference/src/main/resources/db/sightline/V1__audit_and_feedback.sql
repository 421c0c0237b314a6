-- Audit and feedback tables. Portable SQL: the same script runs on PostgreSQL and on H2 (the
-- embedded default). Ids come from sightline_ids (JPA table generator), which every database has.
CREATE TABLE sightline_ids (
    name    VARCHAR(32) NOT NULL PRIMARY KEY,
    next_id BIGINT      NOT NULL
);
INSERT INTO sightline_ids (name, next_id) VALUES ('audit', 0);
INSERT INTO sightline_ids (name, next_id) VALUES ('feedback', 0);

-- One moderation decision per row; the text only when sightline.moderation.audit.include-text=true.
CREATE TABLE sightline_audit (
    id          BIGINT                   NOT NULL PRIMARY KEY,
    request_id  VARCHAR(64)              NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    caller      VARCHAR(96),
    direction   VARCHAR(16)              NOT NULL,
    action      VARCHAR(8)               NOT NULL,
    categories  VARCHAR(512),
    pii_types   VARCHAR(512),
    audit_text  VARCHAR(8000)
);
CREATE INDEX sightline_audit_request ON sightline_audit (request_id);
-- Retention deletes by age.
CREATE INDEX sightline_audit_created ON sightline_audit (created_at);

CREATE TABLE sightline_feedback (
    id          BIGINT                   NOT NULL PRIMARY KEY,
    request_id  VARCHAR(64)              NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    caller      VARCHAR(96),
    rating      INTEGER                  NOT NULL,
    comment     VARCHAR(2000)
);
CREATE INDEX sightline_feedback_request ON sightline_feedback (request_id);
CREATE INDEX sightline_feedback_created ON sightline_feedback (created_at);
