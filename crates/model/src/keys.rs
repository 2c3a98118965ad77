//! API keys for integrations (a till, a delivery platform): what a key may
//! do, how one is asked for, and what staff see of it.
//!
//! A key is shown once, when it is made; afterwards only its name, scopes,
//! a short hint of its first characters and when it was made and last used.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a key is allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// List and read orders, and follow the staff stream.
    #[serde(rename = "orders:read")]
    OrdersRead,
    /// Create orders and change their stages.
    #[serde(rename = "orders:write")]
    OrdersWrite,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::OrdersRead, Scope::OrdersWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest name a key may have.
pub const MAX_KEY_NAME_CHARS: usize = 80;

/// The body of `POST /api/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What the key is for, such as "Till 1".
    pub name: String,
    /// At least one.
    pub scopes: Vec<Scope>,
}

impl NewApiKey {
    /// The name trimmed and the scopes sorted without repeats, or the first
    /// field that breaks a limit.
    pub fn normalized(mut self) -> Result<NewApiKey, crate::ValidationError> {
        self.name = self.name.trim().to_string();
        let chars = self.name.chars().count();
        if chars == 0 || chars > MAX_KEY_NAME_CHARS {
            return Err(crate::order::invalid(
                "name",
                format!("must be 1 to {MAX_KEY_NAME_CHARS} characters, got {chars}"),
            ));
        }
        if self.name.chars().any(char::is_control) {
            return Err(crate::order::invalid(
                "name",
                "must not contain control characters",
            ));
        }
        self.scopes.sort();
        self.scopes.dedup();
        if self.scopes.is_empty() {
            return Err(crate::order::invalid(
                "scopes",
                "a key needs at least one scope",
            ));
        }
        Ok(self)
    }
}

/// A key as staff see it in `GET /api/keys`: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The key's first characters (`obk_Ab12…`), to tell keys apart.
    pub hint: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// To the minute: uses are written down at most once a minute per key.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

/// The answer of `POST /api/keys`: the key itself, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// Send it as `Authorization: Bearer <key>`. Only its hash is kept:
    /// it cannot be shown again.
    pub key: String,
    #[serde(flatten)]
    pub info: ApiKeyInfo,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_named_as_on_the_wire() {
        for scope in Scope::ALL {
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }

    #[test]
    fn a_key_needs_a_name_and_a_scope() {
        let key = |name: &str, scopes: Vec<Scope>| NewApiKey {
            name: name.into(),
            scopes,
        };
        assert_eq!(
            key("  ", vec![Scope::OrdersRead])
                .normalized()
                .unwrap_err()
                .field,
            "name"
        );
        assert_eq!(
            key("Till", vec![]).normalized().unwrap_err().field,
            "scopes"
        );
        let ok = key(
            " Till ",
            vec![Scope::OrdersWrite, Scope::OrdersRead, Scope::OrdersWrite],
        )
        .normalized()
        .unwrap();
        assert_eq!(ok.name, "Till");
        assert_eq!(ok.scopes, vec![Scope::OrdersRead, Scope::OrdersWrite]);
    }
}
