//! Each settings key's rule and error code: the one table `PATCH` validation and the
//! reader both use. Ranges follow what llama-server accepts and what makes sense for
//! an owner's default (a negative temperature or a 0-token answer never does).

use serde_json::Value;

/// What a key's value may be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// A non-blank string of at most `max` characters, no control characters;
    /// stored trimmed.
    Text { max: usize },
    /// An agent name as `chats.agent` allows (`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`).
    /// Whether the agents registry knows it is the route's check.
    AgentName,
    /// A finite number in `[min, max]`, or `(min, max]` when `min_exclusive`.
    Number {
        min: f64,
        max: f64,
        min_exclusive: bool,
    },
    /// An integer in `[min, max]`.
    Integer { min: u64, max: u64 },
    /// `light`, `dark` or `system`.
    Theme,
}

/// One key: its name, its error code, its rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    pub key: &'static str,
    /// `invalid_<key with _ for .>`.
    pub code: &'static str,
    pub rule: Rule,
}

const fn number(min: f64, max: f64) -> Rule {
    Rule::Number {
        min,
        max,
        min_exclusive: false,
    }
}

/// Every key, in [`boo_shared::settings::KEYS`] order.
pub const SPECS: [Spec; 12] = [
    Spec {
        key: "chat.default_model",
        code: "invalid_chat_default_model",
        rule: Rule::Text { max: 200 },
    },
    Spec {
        key: "chat.default_agent",
        code: "invalid_chat_default_agent",
        rule: Rule::AgentName,
    },
    Spec {
        key: "chat.compact_threshold",
        code: "invalid_chat_compact_threshold",
        rule: Rule::Number {
            min: 0.0,
            max: 1.0,
            min_exclusive: true,
        },
    },
    Spec {
        key: "sampling.temperature",
        code: "invalid_sampling_temperature",
        rule: number(0.0, 5.0),
    },
    Spec {
        key: "sampling.top_p",
        code: "invalid_sampling_top_p",
        rule: number(0.0, 1.0),
    },
    Spec {
        key: "sampling.top_k",
        code: "invalid_sampling_top_k",
        rule: Rule::Integer { min: 0, max: 1000 },
    },
    Spec {
        key: "sampling.min_p",
        code: "invalid_sampling_min_p",
        rule: number(0.0, 1.0),
    },
    Spec {
        key: "sampling.repeat_penalty",
        code: "invalid_sampling_repeat_penalty",
        rule: number(0.0, 5.0),
    },
    Spec {
        key: "sampling.presence_penalty",
        code: "invalid_sampling_presence_penalty",
        rule: number(-2.0, 2.0),
    },
    Spec {
        key: "sampling.frequency_penalty",
        code: "invalid_sampling_frequency_penalty",
        rule: number(-2.0, 2.0),
    },
    Spec {
        key: "sampling.max_tokens",
        code: "invalid_sampling_max_tokens",
        rule: Rule::Integer {
            min: 1,
            max: 1_000_000,
        },
    },
    Spec {
        key: "ui.theme",
        code: "invalid_ui_theme",
        rule: Rule::Theme,
    },
];

/// The spec of `key`, if it is one.
pub(super) fn find(key: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.key == key)
}

fn is_agent_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

impl Rule {
    /// The value to store, or why `v` is refused.
    pub fn check(self, v: &Value) -> Result<Value, String> {
        match self {
            Rule::Text { max } => {
                let s = v.as_str().ok_or("must be a string")?.trim();
                if s.is_empty() {
                    return Err("must not be blank (null resets it)".into());
                }
                if s.chars().count() > max {
                    return Err(format!("must be at most {max} characters"));
                }
                if s.chars().any(char::is_control) {
                    return Err("must not contain control characters".into());
                }
                Ok(Value::String(s.to_owned()))
            }
            Rule::AgentName => {
                let s = v.as_str().ok_or("must be a string")?;
                if !is_agent_name(s) {
                    return Err(
                        "must be an agent name: letters, digits, '_', '.', '-', at most 64".into(),
                    );
                }
                Ok(Value::String(s.to_owned()))
            }
            Rule::Number {
                min,
                max,
                min_exclusive,
            } => {
                let n = v
                    .as_f64()
                    .filter(|n| n.is_finite())
                    .ok_or("must be a number")?;
                let low_ok = if min_exclusive { n > min } else { n >= min };
                if !low_ok || n > max {
                    let open = if min_exclusive { '(' } else { '[' };
                    return Err(format!("must be in {open}{min}, {max}]"));
                }
                Ok(Value::from(n))
            }
            Rule::Integer { min, max } => {
                let why = || format!("must be a whole number from {min} to {max}");
                let n = v.as_u64().ok_or_else(why)?;
                if n < min || n > max {
                    return Err(why());
                }
                Ok(Value::from(n))
            }
            Rule::Theme => match v.as_str() {
                Some(t @ ("light" | "dark" | "system")) => Ok(Value::String(t.to_owned())),
                _ => Err("must be \"light\", \"dark\" or \"system\"".into()),
            },
        }
    }
}
