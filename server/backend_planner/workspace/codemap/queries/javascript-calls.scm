; Calls the node route extractors interpret: receiver.method(…), f(…), and declarations
; whose value makes a router (`const router = express.Router()`).
(call_expression function: (member_expression) arguments: (arguments)) @method_call
(call_expression function: (identifier) arguments: (arguments)) @plain_call
(variable_declarator name: (identifier) value: (_)) @declarator
