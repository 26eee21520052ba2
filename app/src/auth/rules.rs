//! Who may call what: one table for every server function, HTTP route and page. The server's
//! auth gate enforces it on every request; a server function or route missing from it is
//! refused to everyone (and the role matrix test fails until it has a rule).

use super::roles::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in user (or token, where tokens are accepted) with at least this role.
    AtLeast(Role),
}

use Role::{Admin, Editor, Viewer};
use Rule::{AtLeast, Public};

/// Server functions, by path.
const SERVER_FUNCTIONS: &[(&str, Rule)] = &[
    ("/api/login", Public),
    ("/api/logout", AtLeast(Viewer)),
    ("/api/me", AtLeast(Viewer)),
    ("/api/change_password", AtLeast(Viewer)),
    // Reading: every page and the live feed.
    ("/api/overview_cards", AtLeast(Viewer)),
    ("/api/revenue", AtLeast(Viewer)),
    ("/api/latest_invoices", AtLeast(Viewer)),
    ("/api/invoices_page", AtLeast(Viewer)),
    ("/api/customers_table", AtLeast(Viewer)),
    ("/api/feed_position", AtLeast(Viewer)),
    ("/api/activity_feed", AtLeast(Viewer)),
    ("/api/activity_between", AtLeast(Viewer)),
    ("/api/caught_mail", AtLeast(Viewer)),
    ("/api/kafka_cluster", AtLeast(Viewer)),
    ("/api/kafka_describe_topic", AtLeast(Viewer)),
    ("/api/kafka_browse", AtLeast(Viewer)),
    ("/api/kafka_groups", AtLeast(Viewer)),
    ("/api/kafka_dead_letters", AtLeast(Viewer)),
    ("/api/kafka_group_resets", AtLeast(Viewer)),
    ("/api/kafka_reset_plan", AtLeast(Viewer)),
    ("/api/event_journey", AtLeast(Viewer)),
    ("/api/deliveries", AtLeast(Viewer)),
    ("/api/mail_content", AtLeast(Viewer)),
    // Changing invoices (and what only their forms read).
    ("/api/customers_for_select", AtLeast(Editor)),
    ("/api/invoice_for_edit", AtLeast(Editor)),
    ("/api/invoice_events", AtLeast(Editor)),
    ("/api/create_invoice", AtLeast(Editor)),
    ("/api/update_invoice", AtLeast(Editor)),
    ("/api/delete_invoice", AtLeast(Editor)),
    // Operating Kafka, managing people and tokens, reading the audit trail.
    ("/api/kafka_create_topic", AtLeast(Admin)),
    ("/api/kafka_delete_topic", AtLeast(Admin)),
    ("/api/kafka_replay", AtLeast(Admin)),
    ("/api/kafka_reset_group", AtLeast(Admin)),
    ("/api/retry_delivery", AtLeast(Admin)),
    ("/api/users_list", AtLeast(Admin)),
    ("/api/add_user", AtLeast(Admin)),
    ("/api/set_user_role", AtLeast(Admin)),
    ("/api/set_user_disabled", AtLeast(Admin)),
    ("/api/api_tokens", AtLeast(Admin)),
    ("/api/create_api_token", AtLeast(Admin)),
    ("/api/revoke_api_token", AtLeast(Admin)),
    ("/api/audit_trail", AtLeast(Admin)),
];

/// Our own HTTP routes (server::http::http_routes), by path and method.
const ROUTES: &[(&str, &str, Rule)] = &[
    ("/healthz", "*", Public),
    ("/ws/activity", "*", AtLeast(Viewer)),
    ("/api/activity/export", "*", AtLeast(Viewer)),
    ("/api/kafka/produce", "GET", AtLeast(Viewer)),
    ("/api/kafka/produce", "*", AtLeast(Admin)),
    ("/api/audit/export", "*", AtLeast(Admin)),
];

/// Paths an API token (instead of a session) may call.
pub const TOKEN_PATHS: &[&str] = &["/api/kafka/produce"];

/// The rule for a server function or one of our routes; `None` when it has none (refused).
pub fn for_call(path: &str, method: &str) -> Option<Rule> {
    SERVER_FUNCTIONS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, rule)| *rule)
        .or_else(|| {
            ROUTES
                .iter()
                .find(|(p, m, _)| *p == path && (*m == "*" || m.eq_ignore_ascii_case(method)))
                .map(|(_, _, rule)| *rule)
        })
}

/// The role a dashboard page needs (every signed-in user for the rest).
pub fn for_page(path: &str) -> Role {
    let path = path.trim_end_matches('/');
    if path == "/dashboard/users" || path == "/dashboard/audit" {
        Admin
    } else if path == "/dashboard/invoices/create"
        || (path.starts_with("/dashboard/invoices/") && path.ends_with("/edit"))
    {
        Editor
    } else {
        Viewer
    }
}

/// What a user who must choose a new password may still reach (the account page, with the
/// layout's feed socket, which tells the page if they are disabled meanwhile).
pub fn open_before_password_change(path: &str) -> bool {
    matches!(
        path,
        "/dashboard/account" | "/api/change_password" | "/api/logout" | "/api/me" | "/ws/activity"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changing_calls_need_more_than_reading_ones() {
        assert_eq!(for_call("/api/login", "POST"), Some(Public));
        assert_eq!(
            for_call("/api/invoices_page", "POST"),
            Some(AtLeast(Viewer))
        );
        assert_eq!(
            for_call("/api/delete_invoice", "POST"),
            Some(AtLeast(Editor))
        );
        assert_eq!(for_call("/api/kafka/produce", "GET"), Some(AtLeast(Viewer)));
        assert_eq!(for_call("/api/kafka/produce", "POST"), Some(AtLeast(Admin)));
        assert_eq!(for_call("/api/unknown", "POST"), None);
        assert_eq!(for_page("/dashboard/invoices/abc/edit"), Editor);
        assert_eq!(for_page("/dashboard/users/"), Admin);
        assert_eq!(for_page("/dashboard/invoices"), Viewer);
    }
}
