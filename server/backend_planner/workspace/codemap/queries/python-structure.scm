; The statements the Python extractors read, anywhere in a module (route decorators and
; register calls often sit inside an app factory function).
(import_statement) @import
(import_from_statement) @import
(decorated_definition) @decorated
(class_definition) @class
(call function: (attribute) @callee) @call
(assignment left: (identifier) right: (call)) @assignment
(call function: (identifier)) @plain_call
