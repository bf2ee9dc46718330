;; state_shapes: engine-level test module (not an atom) whose state uses every part a snapshot
;; carries: memory that grows, a function table changed at run time, mutable globals of several
;; types. "step" changes all of them; "observe" and "half" read them back.
(module
  (type $ret (func (result i32)))
  (memory (export "memory") 1)
  (global $count (mut i64) (i64.const 0))
  (global $half (mut f64) (f64.const 0))
  (global $last (mut i32) (i32.const -1))
  (table $t 3 funcref)
  (elem (i32.const 0) $one $two)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func (export "step")
    (global.set $last (memory.grow (i32.const 1)))
    (global.set $count (i64.add (global.get $count) (i64.const 1)))
    (global.set $half (f64.add (global.get $half) (f64.const 0.5)))
    ;; swap table entries 0 and 1 through entry 2
    (table.set $t (i32.const 2) (table.get $t (i32.const 0)))
    (table.set $t (i32.const 0) (table.get $t (i32.const 1)))
    (table.set $t (i32.const 1) (table.get $t (i32.const 2)))
    ;; the count at the start of the newest page
    (i64.store (i32.mul (global.get $last) (i32.const 65536)) (global.get $count)))
  ;; count*1e6 + table[0]()*1e4 + pages*100 + what the newest page holds (+ last grow's result)
  (func (export "observe") (result i64)
    (i64.add
      (i64.add
        (i64.mul (global.get $count) (i64.const 1000000))
        (i64.extend_i32_u (i32.mul (call_indirect (type $ret) (i32.const 0)) (i32.const 10000))))
      (i64.add
        (i64.extend_i32_u (i32.mul (memory.size) (i32.const 100)))
        (i64.add
          (i64.load (i32.mul (i32.sub (memory.size) (i32.const 1)) (i32.const 65536)))
          (i64.extend_i32_s (global.get $last))))))
  (func (export "half") (result f64) (global.get $half)))
