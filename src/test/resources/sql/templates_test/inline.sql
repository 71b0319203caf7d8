SELECT 1 FROM t WHERE x IN ({{> templates_test/cycle_a.sql}})
