-- loops back
{{> templates_test/cycle_b.sql}}
