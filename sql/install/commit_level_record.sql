-- install set a commit level for the queue's sessions: the database's ('' for role) or one role's in it.
INSERT INTO {{schema}}.commit_levels (role_name, level) VALUES (?, ?)
ON CONFLICT (role_name) DO UPDATE SET level = EXCLUDED.level, set_at = now()
