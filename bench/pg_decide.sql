-- The decisions of the PostgreSQL baseline (see pg_schema.sql): one request
-- in, its events appended and projected, its answer recorded and returned
-- ('APPLIED', 'PENDING_APPROVAL', 'REJECTED:<code>', 'DUPLICATE_REQUEST').

CREATE FUNCTION live(st text) RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT st IN ('PENDING', 'ENROLLED', 'TRANSFERRING') $$;

-- True if document (t, n) is held by a live record other than `subj`.
CREATE FUNCTION document_taken(t text, n text, subj text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT t <> 'NONE' AND EXISTS (SELECT 1 FROM enrollment WHERE id_type = t
    AND id_number = upper(n) AND live(status) AND subject <> coalesce(subj, ''))
$$;

CREATE FUNCTION decide_admit(rid text, op operator, occ date, a jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  c jsonb := a->'child';
  t text := c->>'idType';
  kg kindergarten;
  old enrollment;
  problem text := child_problem(c);
  letter text;
  sno text;
  subj text;
  s int;
BEGIN
  IF problem IS NOT NULL THEN RETURN refuse(rid, NULL, op.id, occ, problem); END IF;
  SELECT * INTO kg FROM kindergarten WHERE code = a->>'kindergarten';
  IF NOT FOUND THEN RETURN refuse(rid, NULL, op.id, occ, 'UNKNOWN_KINDERGARTEN'); END IF;
  IF op.role <> 'REGISTRAR' OR op.org <> kg.code THEN
    RETURN refuse(rid, NULL, op.id, occ, 'NOT_AUTHORIZED');
  END IF;
  IF kg.closed THEN RETURN refuse(rid, NULL, op.id, occ, 'KINDERGARTEN_CLOSED'); END IF;
  IF t <> 'NONE' THEN
    SELECT * INTO old FROM enrollment WHERE id_type = t AND id_number = upper(c->>'idNumber')
      ORDER BY live(status) DESC LIMIT 1;
    IF FOUND THEN
      IF live(old.status) THEN
        RETURN refuse(rid, NULL, op.id, occ, 'DUPLICATE_REGISTRATION');
      ELSIF NOT (old.status = 'LEFT' OR old.admission_rejected) THEN
        RETURN refuse(rid, old.subject, op.id, occ, 'INVALID_TRANSITION');
      END IF;
      sno := old.student_no;
      subj := old.subject;
    END IF;
  END IF;
  IF sno IS NULL THEN
    letter := CASE t WHEN 'RESIDENT_ID' THEN 'G' WHEN 'NONE' THEN 'L' ELSE 'J' END;
    IF letter = 'G' THEN
      sno := 'G' || upper(c->>'idNumber');
    ELSE
      INSERT INTO number_seq VALUES (letter || kg.county || replace(c->>'birthDate', '-', ''), 1)
        ON CONFLICT (prefix) DO UPDATE SET last = number_seq.last + 1 RETURNING last INTO s;
      IF letter = 'L' THEN
        sno := 'L' || kg.county || replace(c->>'birthDate', '-', '') || lpad(s::text, 4, '0');
      ELSE
        sno := kg.county || replace(c->>'birthDate', '-', '') || lpad(s::text, 3, '0');
        sno := 'J' || sno || mod112(sno);
      END IF;
    END IF;
    subj := 'stu:' || sno;
  END IF;
  PERFORM emit(subj, rid, op.id, occ, 'RecordRequested', jsonb_build_object(
    'studentNo', sno, 'kindergarten', kg.code, 'child', c, 'requestId', rid,
    'entryDate', coalesce(a->>'entryDate', occ::text)));
  RETURN answer(rid, 'PENDING_APPROVAL', sno, NULL);
END $$;

-- approve (ok = true) or reject (ok = false) of a pending change.
CREATE FUNCTION decide_approval(rid text, op operator, occ date, a jsonb, ok boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  e enrollment;
  county text;
  typ text;
  p jsonb := jsonb_build_object('requestId', a->>'requestId');
BEGIN
  SELECT * INTO e FROM enrollment WHERE pending_request = a->>'requestId';
  IF NOT FOUND THEN RETURN refuse(rid, NULL, op.id, occ, 'UNKNOWN_REQUEST'); END IF;
  SELECT k.county INTO county FROM kindergarten k WHERE k.code = e.kindergarten;
  IF op.role <> 'APPROVER' OR op.org <> county THEN
    RETURN refuse(rid, e.subject, op.id, occ, 'NOT_AUTHORIZED');
  END IF;
  IF NOT ok THEN
    typ := CASE WHEN e.pending_kind = 'admit' THEN 'RecordRejected' ELSE 'ChangeRejected' END;
  ELSE
    CASE e.pending_kind
      WHEN 'admit' THEN typ := 'RecordEstablished';
      WHEN 'transfer' THEN typ := 'TransferredOut';
      WHEN 'DeferralRequested' THEN typ := 'DeferralApproved';
        p := p || jsonb_build_object('until', e.pending_arg->>'untilDate');
      WHEN 'CancellationRequested' THEN typ := 'Cancelled';
      ELSE  -- KeyInfoEditRequested
        IF document_taken(e.pending_arg->'child'->>'idType',
                          e.pending_arg->'child'->>'idNumber', e.subject) THEN
          RETURN refuse(rid, e.subject, op.id, occ, 'DUPLICATE_REGISTRATION');
        END IF;
        typ := 'KeyInfoEditApproved';
        p := p || jsonb_build_object('child', e.pending_arg->'child');
    END CASE;
  END IF;
  PERFORM emit(e.subject, rid, op.id, occ, typ, p);
  RETURN answer(rid, 'APPLIED', e.student_no, NULL);
END $$;

-- Requests on an existing record, by student number.
CREATE FUNCTION decide_change(rid text, op operator, occ date, kind text, a jsonb)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  e enrollment;
  kg kindergarten;
  problem text;
  st text := 'APPLIED';
BEGIN
  IF kind = 'editKeyInfo' THEN
    problem := child_problem(a->'child');
    IF problem IS NOT NULL THEN RETURN refuse(rid, NULL, op.id, occ, problem); END IF;
  END IF;
  SELECT en.* INTO e FROM numbers n JOIN enrollment en USING (subject)
    WHERE n.student_no = a->>'studentNo';
  IF NOT FOUND THEN RETURN refuse(rid, NULL, op.id, occ, 'UNKNOWN_STUDENT'); END IF;
  IF kind = 'transferIn' THEN
    IF op.role <> 'REGISTRAR' OR op.org IS DISTINCT FROM e.transfer_to THEN
      RETURN refuse(rid, e.subject, op.id, occ, 'NOT_AUTHORIZED');
    END IF;
    IF e.status <> 'TRANSFERRING' OR NOT e.transferred_out THEN
      RETURN refuse(rid, e.subject, op.id, occ, 'INVALID_TRANSITION');
    END IF;
    PERFORM emit(e.subject, rid, op.id, occ, 'TransferredIn', '{}'::jsonb);
    RETURN answer(rid, st, e.student_no, NULL);
  END IF;
  IF op.role <> 'REGISTRAR' OR op.org <> e.kindergarten THEN
    RETURN refuse(rid, e.subject, op.id, occ, 'NOT_AUTHORIZED');
  END IF;
  IF kind = 'convertNumber' THEN
    IF NOT live(e.status) OR left(e.student_no, 1) NOT IN ('L', 'J')
       OR e.pending_kind = 'KeyInfoEditRequested' THEN
      RETURN refuse(rid, e.subject, op.id, occ, 'INVALID_TRANSITION');
    END IF;
    problem := child_problem(jsonb_build_object('name', e.name, 'birthDate', e.birth_date,
      'idType', a->>'idType', 'idNumber', a->>'idNumber'));
    IF problem IS NOT NULL OR a->>'idType' <> 'RESIDENT_ID' THEN
      RETURN refuse(rid, e.subject, op.id, occ, coalesce(problem, 'INVALID_FIELD'));
    END IF;
    IF document_taken('RESIDENT_ID', a->>'idNumber', e.subject) THEN
      RETURN refuse(rid, e.subject, op.id, occ, 'DUPLICATE_REGISTRATION');
    END IF;
    PERFORM emit(e.subject, rid, op.id, occ, 'NumberConverted', jsonb_build_object(
      'studentNo', 'G' || upper(a->>'idNumber'), 'idNumber', upper(a->>'idNumber')));
    RETURN answer(rid, st, 'G' || upper(a->>'idNumber'), NULL);
  END IF;
  -- cancel is allowed while TRANSFERRING (out side done); the rest need ENROLLED
  IF e.pending_request IS NOT NULL OR NOT (e.status = 'ENROLLED'
     OR (kind = 'cancel' AND e.status = 'TRANSFERRING')) THEN
    RETURN refuse(rid, e.subject, op.id, occ, 'INVALID_TRANSITION');
  END IF;
  CASE kind
  WHEN 'transferOut' THEN
    SELECT * INTO kg FROM kindergarten WHERE code = a->>'toKindergarten';
    IF NOT FOUND THEN RETURN refuse(rid, e.subject, op.id, occ, 'UNKNOWN_KINDERGARTEN'); END IF;
    IF kg.closed THEN RETURN refuse(rid, e.subject, op.id, occ, 'KINDERGARTEN_CLOSED'); END IF;
    IF kg.code = e.kindergarten THEN
      RETURN refuse(rid, e.subject, op.id, occ, 'INVALID_TRANSITION');
    END IF;
    PERFORM emit(e.subject, rid, op.id, occ, 'TransferRequested',
                 jsonb_build_object('to', kg.code, 'requestId', rid));
    st := 'PENDING_APPROVAL';
  WHEN 'leave' THEN PERFORM emit(e.subject, rid, op.id, occ, 'Left', a);
  WHEN 'graduate' THEN PERFORM emit(e.subject, rid, op.id, occ, 'Graduated', '{}'::jsonb);
  WHEN 'defer' THEN
    PERFORM emit(e.subject, rid, op.id, occ, 'DeferralRequested',
                 jsonb_build_object('requestId', rid, 'arg', a));
    st := 'PENDING_APPROVAL';
  WHEN 'cancel' THEN
    PERFORM emit(e.subject, rid, op.id, occ, 'CancellationRequested',
                 jsonb_build_object('requestId', rid, 'arg', a));
    st := 'PENDING_APPROVAL';
  WHEN 'editKeyInfo' THEN
    IF document_taken(a->'child'->>'idType', a->'child'->>'idNumber', e.subject) THEN
      RETURN refuse(rid, e.subject, op.id, occ, 'DUPLICATE_REGISTRATION');
    END IF;
    PERFORM emit(e.subject, rid, op.id, occ, 'KeyInfoEditRequested',
                 jsonb_build_object('requestId', rid, 'arg', a));
    st := 'PENDING_APPROVAL';
  END CASE;
  RETURN answer(rid, st, e.student_no, NULL);
END $$;

CREATE FUNCTION decide_verify(rid text, op operator, occ date, a jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  kg kindergarten;
  present text[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(a->'presentStudentNos', '[]')));
  missing int;
BEGIN
  SELECT * INTO kg FROM kindergarten WHERE code = a->>'kindergarten';
  IF NOT FOUND THEN RETURN refuse(rid, NULL, op.id, occ, 'UNKNOWN_KINDERGARTEN'); END IF;
  IF NOT ((op.role = 'REGISTRAR' AND op.org = kg.code)
          OR (op.role = 'APPROVER' AND op.org = kg.county)) THEN
    RETURN refuse(rid, NULL, op.id, occ, 'NOT_AUTHORIZED');
  END IF;
  SELECT count(*) INTO missing FROM enrollment
    WHERE kindergarten = kg.code AND live(status) AND student_no <> ALL (present);
  PERFORM emit('kg:' || kg.code, rid, op.id, occ, 'VerificationRecorded',
    jsonb_build_object('term', a->>'term', 'present', a->'presentStudentNos',
                       'missing', missing));
  RETURN answer(rid, 'APPLIED', NULL, NULL);
END $$;

CREATE FUNCTION apply_request(r jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  rid text := r->>'requestId';
  occ date;
  op operator;
  kind text;
BEGIN
  IF EXISTS (SELECT 1 FROM answers WHERE request_id = rid) THEN
    RETURN 'DUPLICATE_REQUEST';
  END IF;
  occ := (r->>'occurredOn')::date;
  SELECT * INTO op FROM operator WHERE id = r->>'actor';
  IF NOT FOUND THEN RETURN refuse(rid, NULL, r->>'actor', occ, 'UNKNOWN_OPERATOR'); END IF;
  UPDATE operator SET last_active = greatest(last_active, occ) WHERE id = op.id;
  SELECT k INTO kind FROM jsonb_object_keys(r) k
    WHERE k NOT IN ('requestId', 'actor', 'occurredOn') LIMIT 1;
  CASE kind
  WHEN 'admit' THEN RETURN decide_admit(rid, op, occ, r->'admit');
  WHEN 'approve' THEN RETURN decide_approval(rid, op, occ, r->'approve', true);
  WHEN 'reject' THEN RETURN decide_approval(rid, op, occ, r->'reject', false);
  WHEN 'verify' THEN RETURN decide_verify(rid, op, occ, r->'verify');
  WHEN 'transferOut', 'transferIn', 'leave', 'graduate', 'defer', 'cancel',
       'editKeyInfo', 'convertNumber' THEN
    RETURN decide_change(rid, op, occ, kind, r->kind);
  ELSE
    RETURN refuse(rid, NULL, op.id, occ, 'MALFORMED_REQUEST');
  END CASE;
END $$;

-- Many requests in one call, in order (the batched variant's round trip).
CREATE FUNCTION apply_batch(rs jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  out text[] := '{}';
  r jsonb;
BEGIN
  FOR r IN SELECT value FROM jsonb_array_elements(rs) WITH ORDINALITY ORDER BY ordinality LOOP
    out := out || apply_request(r);
  END LOOP;
  RETURN out;
END $$;

-- Recomputes the projection from the events table alone.
CREATE FUNCTION rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  ev record;
  n bigint := 0;
BEGIN
  TRUNCATE enrollment, numbers;
  FOR ev IN SELECT subject, type, payload FROM events ORDER BY seq LOOP
    PERFORM apply_event(ev.subject, ev.type, ev.payload);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;

CREATE FUNCTION enrollment_digest() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT md5(coalesce(string_agg(e::text, '|' ORDER BY subject), '')) FROM enrollment e
$$;
