//! The board's chime when an order turns ready: two short sine tones from the
//! Web Audio API, so no sound file is shipped.
//!
//! Browsers keep audio muted until the page gets a first touch or key press;
//! `unlock` must run inside such an event, and the board says so until then.

use std::cell::RefCell;
use web_sys::{AudioContext, AudioContextState, OscillatorType};

thread_local! {
    static CONTEXT: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// Creates or resumes the audio context; call from a user gesture.
/// Returns whether sound can play.
pub fn unlock() -> bool {
    CONTEXT.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = AudioContext::new().ok();
        }
        match slot.as_ref() {
            Some(ctx) => {
                if ctx.state() != AudioContextState::Running {
                    let _ = ctx.resume();
                }
                true
            }
            None => false,
        }
    })
}

/// Plays the chime, if sound was unlocked.
pub fn play() {
    CONTEXT.with(|cell| {
        if let Some(ctx) = cell.borrow().as_ref() {
            let start = ctx.current_time();
            tone(ctx, 880.0, start, 0.22);
            tone(ctx, 1318.5, start + 0.18, 0.45);
        }
    });
}

fn tone(ctx: &AudioContext, hz: f32, at: f64, length: f64) {
    let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
        return;
    };
    osc.set_type(OscillatorType::Sine);
    osc.frequency().set_value(hz);
    let g = gain.gain();
    let _ = g.set_value_at_time(0.0001, at);
    let _ = g.exponential_ramp_to_value_at_time(0.35, at + 0.02);
    let _ = g.exponential_ramp_to_value_at_time(0.0001, at + length);
    if osc.connect_with_audio_node(&gain).is_ok()
        && gain.connect_with_audio_node(&ctx.destination()).is_ok()
    {
        let _ = osc.start_with_when(at);
        let _ = osc.stop_with_when(at + length + 0.05);
    }
}
