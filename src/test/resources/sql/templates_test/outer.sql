SELECT *
FROM {{schema}}.t
WHERE EXISTS (
    {{> templates_test/inner.sql}}
)
