//! Jittered exponential back-off for an unreachable VTN.

use std::time::Duration;

use rand::Rng;

/// The wait before retry number `failures` (1 = first failure): the base
/// period doubled per failure, capped at `max`, then scaled by a random
/// factor in [0.5, 1.0] so that a fleet of VENs does not retry in lockstep
/// when their VTN comes back ("full jitter" would allow near-zero waits,
/// which hammer a VTN that just restarted).
pub fn delay(failures: u32, base: Duration, max: Duration, rng: &mut impl Rng) -> Duration {
    let base = base.max(Duration::from_millis(100));
    let exp = failures.saturating_sub(1).min(20);
    let raw = base.saturating_mul(1u32 << exp).min(max.max(base));
    raw.mul_f64(rng.gen_range(0.5..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn grows_caps_and_jitters() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (base, max) = (Duration::from_secs(10), Duration::from_secs(300));
        for _ in 0..200 {
            let d1 = delay(1, base, max, &mut rng);
            assert!(d1 >= Duration::from_secs(5) && d1 <= base, "{d1:?}");
            let d3 = delay(3, base, max, &mut rng);
            assert!(
                d3 >= Duration::from_secs(20) && d3 <= Duration::from_secs(40),
                "{d3:?}"
            );
            let d50 = delay(50, base, max, &mut rng);
            assert!(d50 >= Duration::from_secs(150) && d50 <= max, "{d50:?}");
        }
        // Jitter actually varies.
        let a: Vec<_> = (0..10).map(|_| delay(2, base, max, &mut rng)).collect();
        assert!(a.iter().any(|d| *d != a[0]));
    }
}
