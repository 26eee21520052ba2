use crate::components::icons::{Icon, IconName};
use crate::i18n::*;
use leptos::prelude::*;

/// A cell of the pagination bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageItem {
    Page(i64),
    Gap,
}

/// Which page numbers to show, as the Next.js dashboard does: all of them up to 7, else the
/// first and last pages around the current one with gaps.
pub fn page_items(current: i64, total: i64) -> Vec<PageItem> {
    use PageItem::{Gap, Page};
    if total <= 7 {
        return (1..=total).map(Page).collect();
    }
    if current <= 3 {
        return vec![Page(1), Page(2), Page(3), Gap, Page(total - 1), Page(total)];
    }
    if current >= total - 2 {
        return vec![
            Page(1),
            Page(2),
            Gap,
            Page(total - 2),
            Page(total - 1),
            Page(total),
        ];
    }
    vec![
        Page(1),
        Gap,
        Page(current - 1),
        Page(current),
        Page(current + 1),
        Gap,
        Page(total),
    ]
}

/// Page links that keep the current search. `href(page)` builds each link. Plain anchors:
/// the router still navigates without a reload, and `A`'s path-only aria-current would mark every page.
#[component]
pub fn Pagination(
    current: i64,
    total: i64,
    href: impl Fn(i64) -> String + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let arrow = move |back: bool, target: Option<String>| {
        let label = move || {
            if back {
                t_string!(i18n, previous_page)
            } else {
                t_string!(i18n, next_page)
            }
        };
        let glyph = move || {
            let name = if back {
                IconName::ArrowLeft
            } else {
                IconName::ArrowRight
            };
            view! { <Icon name=name class="h-4 w-4" /> }
        };
        match target {
            Some(to) => view! { <a href=to class="flex h-10 w-10 items-center justify-center rounded-md border hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-800" aria-label=label>{glyph()}</a> }.into_any(),
            None => view! { <span class="flex h-10 w-10 items-center justify-center rounded-md border text-gray-300 dark:border-gray-700 dark:text-gray-600" aria-disabled="true" aria-label=label>{glyph()}</span> }.into_any(),
        }
    };
    let previous = (current > 1).then(|| href(current - 1));
    let next = (current < total).then(|| href(current + 1));
    let cells = page_items(current, total)
        .into_iter()
        .map(|item| match item {
            PageItem::Gap => view! { <span class="flex h-10 w-10 items-center justify-center">"…"</span> }.into_any(),
            PageItem::Page(n) if n == current => view! {
                <span class="z-10 flex h-10 w-10 items-center justify-center rounded-md bg-blue-600 text-white" aria-current="page">{n}</span>
            }.into_any(),
            PageItem::Page(n) => view! {
                <a href=href(n) class="flex h-10 w-10 items-center justify-center rounded-md border hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-800">{n}</a>
            }.into_any(),
        })
        .collect_view();
    view! {
        <nav class="inline-flex items-center gap-1" aria-label=move || t_string!(i18n, pagination) data-testid="pagination">
            {arrow(true, previous)}
            {cells}
            {arrow(false, next)}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::{
        page_items,
        PageItem::{Gap, Page},
    };

    #[test]
    fn few_pages_are_all_shown() {
        assert_eq!(page_items(1, 3), vec![Page(1), Page(2), Page(3)]);
        assert_eq!(page_items(4, 7).len(), 7);
        assert_eq!(page_items(1, 0), vec![]);
    }

    #[test]
    fn many_pages_show_ends_and_neighbours() {
        assert_eq!(
            page_items(2, 10),
            vec![Page(1), Page(2), Page(3), Gap, Page(9), Page(10)]
        );
        assert_eq!(
            page_items(9, 10),
            vec![Page(1), Page(2), Gap, Page(8), Page(9), Page(10)]
        );
        assert_eq!(
            page_items(5, 10),
            vec![Page(1), Gap, Page(4), Page(5), Page(6), Gap, Page(10)]
        );
    }
}
