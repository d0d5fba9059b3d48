-- The PostgreSQL 15 baseline of issue 4: the event store a team would most
-- likely build instead of the ledger. An append-only events table, a
-- current-enrollment table (a projection of the events, updated in the same
-- transaction) with a UNIQUE partial index on live identity documents, and
-- the core decisions of docs/design.md in PL/pgSQL (one server round trip per
-- request): idempotency by requestId, operator authorisation (registrar of
-- the kindergarten, approver of its county), identity check characters and
-- birth date, one live record per document, student numbers G/L/J with the
-- same sequences as the ledger, the status transitions and approvals.
-- Not modelled (they favour PostgreSQL): the SHA-256 hash chain, operator
-- sealing, age limits, merges and closures, the audit indexes by operator and
-- by request.

CREATE TABLE kindergarten (code text PRIMARY KEY, county text NOT NULL,
                           closed boolean NOT NULL DEFAULT false);
CREATE TABLE operator (id text PRIMARY KEY, role text NOT NULL, org text NOT NULL,
                       last_active date);
CREATE TABLE events (
  seq bigserial PRIMARY KEY,
  subject text NOT NULL,
  request_id text NOT NULL,
  actor text,
  type text NOT NULL,
  occurred_on date,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  payload jsonb NOT NULL);
CREATE INDEX events_by_subject ON events (subject, seq);
-- The answer each request got (idempotency by requestId).
CREATE TABLE answers (request_id text PRIMARY KEY, status text NOT NULL,
                      student_no text, code text);
-- Sequences of L/J numbers per prefix (letter + county + birth date).
CREATE TABLE number_seq (prefix text PRIMARY KEY, last integer NOT NULL);
-- Every student number a record has held.
CREATE TABLE numbers (student_no text PRIMARY KEY, subject text NOT NULL);
CREATE TABLE enrollment (
  subject text PRIMARY KEY,
  student_no text NOT NULL,
  status text NOT NULL,          -- PENDING ENROLLED TRANSFERRING LEFT GRADUATED CANCELLED
  kindergarten text NOT NULL,
  id_type text NOT NULL,
  id_number text,
  name text, gender text, birth_date text, entry_date text,
  admission_rejected boolean NOT NULL DEFAULT false,
  pending_request text, pending_kind text, pending_arg jsonb,
  transfer_to text, transferred_out boolean NOT NULL DEFAULT false,
  deferred_until text,
  version integer NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX live_document ON enrollment (id_type, id_number)
  WHERE status IN ('PENDING', 'ENROLLED', 'TRANSFERRING') AND id_type <> 'NONE';
CREATE INDEX any_document ON enrollment (id_type, id_number);
CREATE INDEX by_pending ON enrollment (pending_request) WHERE pending_request IS NOT NULL;
CREATE INDEX by_kindergarten ON enrollment (kindergarten);

CREATE FUNCTION mod112(body text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  w int[] := ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2];
  s int := 0;
  c int;
BEGIN
  FOR i IN 1..17 LOOP
    c := ascii(substr(body, i, 1)) - 48;
    IF c < 0 OR c > 9 THEN RETURN NULL; END IF;
    s := s + c * w[i];
  END LOOP;
  c := (12 - s % 11) % 11;
  RETURN CASE WHEN c = 10 THEN 'X' ELSE c::text END;
END $$;

-- NULL if the child is valid, else the reason code.
CREATE FUNCTION child_problem(c jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  t text := c->>'idType';
  n text := upper(coalesce(c->>'idNumber', ''));
BEGIN
  IF coalesce(c->>'name', '') = '' OR coalesce(c->>'birthDate', '') = '' THEN
    RETURN 'INVALID_FIELD';
  END IF;
  IF t IN ('RESIDENT_ID', 'HK_MO_TW_RESIDENCE_PERMIT', 'FOREIGN_PERMANENT_RESIDENCE') THEN
    IF length(n) <> 18 OR mod112(n) IS DISTINCT FROM substr(n, 18, 1) THEN
      RETURN 'INVALID_ID_NUMBER';
    END IF;
    IF t <> 'FOREIGN_PERMANENT_RESIDENCE'
       AND substr(n, 7, 8) <> replace(c->>'birthDate', '-', '') THEN
      RETURN 'ID_MISMATCH';
    END IF;
  ELSIF t IS NULL OR (t <> 'NONE' AND n = '') THEN
    RETURN 'INVALID_ID_NUMBER';
  END IF;
  RETURN NULL;
END $$;

-- The projection: folds one event into enrollment/numbers. Used by the write
-- path (same transaction as the event) and by rebuild().
CREATE FUNCTION apply_event(subj text, typ text, p jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  CASE typ
  WHEN 'RecordRequested' THEN
    INSERT INTO enrollment AS e (subject, student_no, status, kindergarten, id_type,
        id_number, name, gender, birth_date, entry_date, pending_request, pending_kind, version)
      VALUES (subj, p->>'studentNo', 'PENDING', p->>'kindergarten', p->'child'->>'idType',
        upper(p->'child'->>'idNumber'), p->'child'->>'name', p->'child'->>'gender',
        p->'child'->>'birthDate', p->>'entryDate', p->>'requestId', 'admit', 1)
    ON CONFLICT (subject) DO UPDATE SET status = 'PENDING',
        kindergarten = excluded.kindergarten, entry_date = excluded.entry_date,
        admission_rejected = false, pending_request = excluded.pending_request,
        pending_kind = 'admit', pending_arg = NULL, version = e.version + 1;
    INSERT INTO numbers VALUES (p->>'studentNo', subj) ON CONFLICT DO NOTHING;
  WHEN 'RecordEstablished' THEN
    UPDATE enrollment SET status = 'ENROLLED', pending_request = NULL,
      pending_kind = NULL, version = version + 1 WHERE subject = subj;
  WHEN 'RecordRejected' THEN
    UPDATE enrollment SET status = 'CANCELLED', admission_rejected = true,
      pending_request = NULL, pending_kind = NULL, version = version + 1 WHERE subject = subj;
  WHEN 'TransferRequested' THEN
    UPDATE enrollment SET status = 'TRANSFERRING', transfer_to = p->>'to',
      pending_request = p->>'requestId', pending_kind = 'transfer', version = version + 1
      WHERE subject = subj;
  WHEN 'TransferredOut' THEN
    UPDATE enrollment SET transferred_out = true, pending_request = NULL,
      pending_kind = NULL, version = version + 1 WHERE subject = subj;
  WHEN 'TransferredIn' THEN
    UPDATE enrollment SET status = 'ENROLLED', kindergarten = transfer_to,
      transfer_to = NULL, transferred_out = false, version = version + 1 WHERE subject = subj;
  WHEN 'ChangeRejected' THEN
    UPDATE enrollment SET
      status = CASE WHEN pending_kind = 'transfer' THEN 'ENROLLED' ELSE status END,
      transfer_to = CASE WHEN pending_kind = 'transfer' THEN NULL ELSE transfer_to END,
      pending_request = NULL, pending_kind = NULL, pending_arg = NULL,
      version = version + 1 WHERE subject = subj;
  WHEN 'Left' THEN
    UPDATE enrollment SET status = 'LEFT', version = version + 1 WHERE subject = subj;
  WHEN 'Graduated' THEN
    UPDATE enrollment SET status = 'GRADUATED', version = version + 1 WHERE subject = subj;
  WHEN 'DeferralRequested', 'CancellationRequested', 'KeyInfoEditRequested' THEN
    UPDATE enrollment SET pending_request = p->>'requestId', pending_kind = typ,
      pending_arg = p->'arg', version = version + 1 WHERE subject = subj;
  WHEN 'DeferralApproved' THEN
    UPDATE enrollment SET deferred_until = p->>'until', pending_request = NULL,
      pending_kind = NULL, pending_arg = NULL, version = version + 1 WHERE subject = subj;
  WHEN 'Cancelled' THEN
    UPDATE enrollment SET status = 'CANCELLED', pending_request = NULL,
      pending_kind = NULL, pending_arg = NULL, version = version + 1 WHERE subject = subj;
  WHEN 'KeyInfoEditApproved' THEN
    UPDATE enrollment SET id_type = p->'child'->>'idType',
      id_number = upper(p->'child'->>'idNumber'), name = p->'child'->>'name',
      gender = p->'child'->>'gender', birth_date = p->'child'->>'birthDate',
      pending_request = NULL, pending_kind = NULL, pending_arg = NULL,
      version = version + 1 WHERE subject = subj;
  WHEN 'NumberConverted' THEN
    UPDATE enrollment SET student_no = p->>'studentNo', id_type = 'RESIDENT_ID',
      id_number = p->>'idNumber', version = version + 1 WHERE subject = subj;
    INSERT INTO numbers VALUES (p->>'studentNo', subj) ON CONFLICT DO NOTHING;
  ELSE
    NULL;  -- RequestRejected, VerificationRecorded: audit only
  END CASE;
END $$;

CREATE FUNCTION emit(subj text, rid text, actor text, occ date, typ text, p jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO events (subject, request_id, actor, type, occurred_on, payload)
    VALUES (subj, rid, actor, typ, occ, p);
  PERFORM apply_event(subj, typ, p);
END $$;

CREATE FUNCTION answer(rid text, st text, sno text, code text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO answers VALUES (rid, st, sno, code);
  RETURN CASE WHEN code IS NULL THEN st ELSE st || ':' || code END;
END $$;

CREATE FUNCTION refuse(rid text, subj text, actor text, occ date, code text)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM emit(coalesce(subj, 'req:' || rid), rid, actor, occ, 'RequestRejected',
               jsonb_build_object('code', code));
  RETURN answer(rid, 'REJECTED', NULL, code);
END $$;
