"""The rule engine: rule-file schema, parsing with file:line errors, evaluation and rendering."""
