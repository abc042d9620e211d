; Entity classes (decorators read in Python), schema variables (`const s = new Schema({…})`,
; `mongoose.Schema({…})`, `new Table({…})` of a TypeORM migration)
; and the calls that declare models, tables or run SQL.
(class_declaration) @class
(abstract_class_declaration) @class
(variable_declarator name: (identifier) value: [(new_expression) (call_expression)]) @declarator
(call_expression) @call
