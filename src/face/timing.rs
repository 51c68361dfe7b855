//! Time per pipeline stage, measured with an injected clock.

/// Milliseconds since some fixed point. Injected so the pipeline needs no
/// platform clock (`std::time::Instant` does not exist in the browser).
pub trait Clock {
    fn now_ms(&self) -> f64;
}

#[cfg(not(target_arch = "wasm32"))]
pub struct SystemClock(std::time::Instant);

#[cfg(not(target_arch = "wasm32"))]
impl Default for SystemClock {
    fn default() -> Self {
        Self(std::time::Instant::now())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StageTimings {
    pub decode_ms: f64,
    pub detect_ms: f64,
    pub embed_ms: f64,
}

impl std::ops::AddAssign for StageTimings {
    fn add_assign(&mut self, o: Self) {
        self.decode_ms += o.decode_ms;
        self.detect_ms += o.detect_ms;
        self.embed_ms += o.embed_ms;
    }
}
