;; main_styles: engine-level test module for the default safe points (ModuleStyle). Its atoll_main
;; reads the first byte of memory, set by the data segment that the test patches: 's' logs and
;; asks to be served handler calls (handler style), 'r' waits in receive (loop style), 'x' spins
;; without calling the host. One source, three modules that differ in one byte.
(module
  (import "atoll" "log" (func $log (param i32 i32 i32) (result i32)))
  (import "atoll" "receive" (func $receive (param i64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "s: serve")
  (func (export "atoll_abi_version") (result i32) (i32.const 1))
  (func (export "atoll_main") (result i32)
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 0x72))          ;; 'r'
      (then (return (call $receive (i64.const -1)))))
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 0x78))          ;; 'x'
      (then (loop $spin (br $spin))))
    (drop (call $log (i32.const 2) (i32.const 0) (i32.const 8)))
    (i32.const 1)))                                                     ;; MAIN_SERVE
