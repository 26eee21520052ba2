//! The app's icons: inline SVG outlines on a 24×24 grid, drawn in `currentColor` so they follow
//! the text colour in both themes. Inline, not Unicode symbols: a machine without an emoji or
//! symbol font showed an empty box for the delete button. Decorative by themselves
//! (`aria-hidden`): the button or link around an icon carries the accessible name.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IconName {
    Search,
    Trash,
    Pencil,
    Plus,
    ArrowLeft,
    ArrowRight,
    Sun,
    Moon,
    Check,
    Clock,
    Home,
    Document,
    Users,
    Bolt,
    Server,
    Power,
    Swap,
    Warning,
    Dot,
}

impl IconName {
    /// Name for tests and styling (`data-icon`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Trash => "trash",
            Self::Pencil => "pencil",
            Self::Plus => "plus",
            Self::ArrowLeft => "arrow-left",
            Self::ArrowRight => "arrow-right",
            Self::Sun => "sun",
            Self::Moon => "moon",
            Self::Check => "check",
            Self::Clock => "clock",
            Self::Home => "home",
            Self::Document => "document",
            Self::Users => "users",
            Self::Bolt => "bolt",
            Self::Server => "server",
            Self::Power => "power",
            Self::Swap => "swap",
            Self::Warning => "warning",
            Self::Dot => "dot",
        }
    }

    /// The outline, as an SVG path on a 24×24 grid.
    pub fn path(self) -> &'static str {
        match self {
            // a lens and its handle
            Self::Search => "M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14zM20 20l-4.2-4.2",
            // a bin with a lid and two slats
            Self::Trash => "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6",
            Self::Pencil => "M4 20h4L19 9l-4-4L4 16v4zM13 7l4 4",
            Self::Plus => "M12 5v14M5 12h14",
            Self::ArrowLeft => "M19 12H5M11 6l-6 6 6 6",
            Self::ArrowRight => "M5 12h14M13 6l6 6-6 6",
            Self::Sun => "M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4",
            Self::Moon => "M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z",
            Self::Check => "M5 12.5l4.5 4.5L19 7.5",
            Self::Clock => "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 7v5l3 2",
            Self::Home => "M3 11l9-7 9 7M5 10v10h5v-6h4v6h5V10",
            Self::Document => "M6 3h8l5 5v13H6zM14 3v5h5M9 13h7M9 17h7",
            Self::Users => "M9 11a4 4 0 1 0 0-8a4 4 0 1 0 0 8zM2 21c0-4 3-6 7-6s7 2 7 6M16 3.5a4 4 0 0 1 0 7.5M18 15c2.5.5 4 2.5 4 6",
            Self::Bolt => "M13 2L4 14h7l-1 8 9-12h-7l1-8z",
            Self::Server => "M4 4h16v6H4zM4 14h16v6H4zM8 7h.01M8 17h.01",
            Self::Power => "M12 3v9M6.3 6.3a8 8 0 1 0 11.4 0",
            Self::Swap => "M7 7h11l-3-3M17 17H6l3 3",
            Self::Warning => "M12 4l9 16H3L12 4zM12 10v4M12 17v.5",
            Self::Dot => "M12 12h.01",
        }
    }
}

/// An outline icon; `class` sets its size (default 1.25rem).
#[component]
pub fn Icon(name: IconName, #[prop(optional, into)] class: Option<&'static str>) -> impl IntoView {
    view! {
        <svg class=class.unwrap_or("h-5 w-5") data-icon=name.name() viewBox="0 0 24 24" fill="none"
            stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"
            aria-hidden="true" focusable="false">
            <path d=name.path() />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::IconName::*;

    #[test]
    fn every_icon_has_a_name_and_an_outline_of_its_own() {
        let all = [
            Search, Trash, Pencil, Plus, ArrowLeft, ArrowRight, Sun, Moon, Check, Clock, Home,
            Document, Users, Bolt, Server, Power, Swap, Warning, Dot,
        ];
        let mut paths: Vec<_> = all.iter().map(|i| i.path()).collect();
        let mut names: Vec<_> = all.iter().map(|i| i.name()).collect();
        paths.sort();
        paths.dedup();
        names.sort();
        names.dedup();
        assert_eq!(paths.len(), all.len());
        assert_eq!(names.len(), all.len());
        assert!(all.iter().all(|i| i.path().starts_with('M')));
    }
}
