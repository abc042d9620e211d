; The top-level declarations of a Go file the code map reads: functions, methods, struct types,
; package-level constants and variables.
(source_file (function_declaration) @func)
(source_file (method_declaration) @method)
(source_file (type_declaration (type_spec) @type))
(source_file (const_declaration (const_spec) @var))
(source_file (var_declaration (var_spec) @var))
(source_file (var_declaration (var_spec_list (var_spec) @var)))
