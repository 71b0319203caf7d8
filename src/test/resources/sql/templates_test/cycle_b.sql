-- and again
{{> templates_test/cycle_a.sql}}
