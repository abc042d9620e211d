; Controller classes (their decorators are read in Python) and the calls that may configure the
; application (setGlobalPrefix, enableVersioning, new InversifyExpressServer(…, {rootPath})).
(class_declaration) @class
(abstract_class_declaration) @class
(call_expression) @call
(new_expression) @call
