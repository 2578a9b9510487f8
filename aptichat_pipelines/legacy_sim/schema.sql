-- The legacy aptitude-test database as AptiChat expects it (the contract; docs/legacy-contract.md).
-- Idempotent: every statement may run again on an existing database (`aptichat legacy init`).
-- Deliberately few CHECK constraints on product data (answers, profiles): the real product's data
-- may be dirty, and AptiChat validates what it reads instead of trusting the database.

CREATE TABLE IF NOT EXISTS test_takers (
    id          text PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- demographics and background as the product collected them, e.g. {"age": 29, "major": "nursing"}
    background  jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- An instrument measures one domain: tendencies (Big Five), interests (RIASEC) or skills (thinking
-- skills). Several instruments may measure the same domain (our own, imported ones).
CREATE TABLE IF NOT EXISTS instruments (
    id              text PRIMARY KEY,
    domain          text NOT NULL CHECK (domain IN ('tendencies', 'interests', 'skills')),
    name            text NOT NULL,
    -- answer range for Likert instruments (1..5); NULL for ability items scored right/wrong
    response_min    smallint,
    response_max    smallint,
    source          text NOT NULL DEFAULT 'aptichat'
);

CREATE TABLE IF NOT EXISTS items (
    id              text PRIMARY KEY,
    instrument_id   text NOT NULL REFERENCES instruments (id),
    scale           text NOT NULL,            -- an id from aptichat/scales.py
    position        integer NOT NULL,         -- order of presentation within the instrument
    wording         text NOT NULL,
    keying          smallint NOT NULL DEFAULT 1 CHECK (keying IN (1, -1)),
    options         jsonb,                    -- ability items: ["option 1", "option 2", ...]
    correct_answer  smallint,                 -- ability items: 1-based index into options
    UNIQUE (instrument_id, position)
);

CREATE TABLE IF NOT EXISTS test_sessions (
    id              text PRIMARY KEY,
    taker_id        text NOT NULL REFERENCES test_takers (id) ON DELETE CASCADE,
    instrument_set  text[] NOT NULL,          -- instrument ids this session presented
    started_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    status          text NOT NULL CHECK (status IN ('in_progress', 'completed', 'abandoned', 'invalid'))
);
-- The sensor's cursor walks (completed_at, id); this index makes that a range scan.
CREATE INDEX IF NOT EXISTS ix_test_sessions_completed ON test_sessions (completed_at, id)
    WHERE status = 'completed';
CREATE INDEX IF NOT EXISTS ix_test_sessions_taker ON test_sessions (taker_id, completed_at DESC);

CREATE TABLE IF NOT EXISTS responses (
    session_id   text NOT NULL REFERENCES test_sessions (id) ON DELETE CASCADE,
    item_id      text NOT NULL REFERENCES items (id),
    value        smallint,                    -- NULL = shown but not answered
    response_ms  integer,                     -- NULL = not timed (e.g. imported data)
    PRIMARY KEY (session_id, item_id)
);

-- Norms per instrument and scale. Raw score: mean keyed item value (Likert) or number correct
-- (skills). `percentiles` maps a raw score written as an integer to its percentile and wins over
-- the normal approximation from mean/sd when it has the score.
CREATE TABLE IF NOT EXISTS norms (
    instrument_id  text NOT NULL REFERENCES instruments (id),
    scale          text NOT NULL,
    mean           double precision NOT NULL,
    sd             double precision NOT NULL,
    percentiles    jsonb,
    sample_size    integer,
    source         text NOT NULL DEFAULT 'aptichat',
    PRIMARY KEY (instrument_id, scale)
);

-- The product's own catalog. RIASEC profile: six values 0..1 (how strongly the job draws on each
-- interest type); skills: thinking-skill ids (aptichat/scales.py) the job leans on.
CREATE TABLE IF NOT EXISTS jobs (
    code           text PRIMARY KEY,
    title          text NOT NULL,
    description    text NOT NULL DEFAULT '',
    riasec_r       real NOT NULL,
    riasec_i       real NOT NULL,
    riasec_a       real NOT NULL,
    riasec_s       real NOT NULL,
    riasec_e       real NOT NULL,
    riasec_c       real NOT NULL,
    skills         text[] NOT NULL DEFAULT '{}',
    onet_soc_code  text,
    job_zone       smallint,
    related_codes  text[] NOT NULL DEFAULT '{}',
    source         text NOT NULL DEFAULT 'starter',
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_jobs_onet ON jobs (onet_soc_code);

CREATE TABLE IF NOT EXISTS majors (
    code           text PRIMARY KEY,
    title          text NOT NULL,
    description    text NOT NULL DEFAULT '',
    riasec_r       real NOT NULL,
    riasec_i       real NOT NULL,
    riasec_a       real NOT NULL,
    riasec_s       real NOT NULL,
    riasec_e       real NOT NULL,
    riasec_c       real NOT NULL,
    skills         text[] NOT NULL DEFAULT '{}',
    cip_code       text,
    soc_codes      text[] NOT NULL DEFAULT '{}',  -- occupations the program prepares for
    profile_basis  text NOT NULL DEFAULT 'authored', -- authored | occupations | series | family
    source         text NOT NULL DEFAULT 'starter',
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_majors_cip ON majors (cip_code);
