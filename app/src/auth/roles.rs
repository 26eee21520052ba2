//! Roles and who is acting. A role includes the ones below it: a viewer reads everything,
//! an editor also changes invoices, an admin also runs the Kafka tools' changing actions and
//! manages users and API tokens.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is making a request: a signed-in user or an API token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: Option<Uuid>,
    pub token: Option<Uuid>,
    /// As a reader names them: the user's email, or `token:<name>`.
    pub name: String,
    pub role: Role,
    /// A user signed in with a password an admin chose: they must choose their own first.
    pub must_change_password: bool,
}

impl Actor {
    /// An admin that is not a person: an API token (`token` its id, if it has one) or the
    /// command line.
    pub fn operator(token: Option<Uuid>, name: String) -> Self {
        Self {
            user: None,
            token,
            name,
            role: Role::Admin,
            must_change_password: false,
        }
    }

    pub fn may(&self, needed: Role) -> bool {
        self.role >= needed
    }

    /// The person, if a person (not a token) is acting.
    pub fn me(&self) -> Option<Me> {
        Some(Me {
            id: self.user?,
            email: self.name.clone(),
            role: self.role,
            must_change_password: self.must_change_password,
        })
    }
}

/// The signed-in user, as pages show them (which buttons, which menu entries).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub must_change_password: bool,
}

impl Me {
    pub fn may(&self, needed: Role) -> bool {
        self.role >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_includes_the_ones_below() {
        assert!(Role::Admin > Role::Editor && Role::Editor > Role::Viewer);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
