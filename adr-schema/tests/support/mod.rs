pub mod arb;
