; Entity classes (decorators read in Python), schema variables (`const s = new Schema({…})`)
; and the calls that declare models, tables or run SQL.
(class_declaration) @class
(abstract_class_declaration) @class
(variable_declarator name: (identifier) value: (new_expression)) @declarator
(call_expression) @call
