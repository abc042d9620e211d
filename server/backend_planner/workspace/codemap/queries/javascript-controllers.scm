; Controller classes (their decorators are read in Python) and the calls that may configure the
; application (setGlobalPrefix, useExpressServer(app, {routePrefix})).
(class_declaration) @class
(call_expression) @call
(new_expression) @call
