//! `/dashboard/mailbox`: in development, the mail the processor sent (confirmations, receipts,
//! thank-you notes), as the development mail catcher received it. Instead of an SMTP sink's log.

use crate::errors::AppError;
use crate::i18n::*;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How many of the newest mails the page shows.
#[cfg(feature = "ssr")]
const SHOWN: i64 = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct KeptMail {
    pub id: i64,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::wire_time::utc"))]
    pub received_at: DateTime<Utc>,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mailbox {
    /// Whether this server catches mail (setting `dev_mail_catcher`).
    pub catching: bool,
    pub mails: Vec<KeptMail>,
}

#[server(endpoint = "caught_mail")]
pub async fn caught_mail() -> Result<Mailbox, AppError> {
    let state = crate::state::app_state()?;
    let mails = crate::db::mailbox::newest(&state.pool, SHOWN).await?;
    Ok(Mailbox {
        catching: state.mail_catcher,
        mails,
    })
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let i18n = use_i18n();
    // Refetched as events arrive: their mail follows them.
    let changes = crate::components::live::LiveUpdates::get().map(|l| l.changes);
    let mailbox = Resource::new(move || changes.map(|c| c.get()), |_| caught_mail());
    view! {
        <div class="w-full">
            <h1 class="mb-4 text-xl md:text-2xl">{t!(i18n, mailbox_title)}</h1>
            <Transition fallback=|| view! { <super::invoices::TableSkeleton /> }>
                {move || Suspend::new(async move {
                    mailbox.await.map(|mailbox| {
                        let note = match mailbox.catching {
                            true => t_string!(i18n, mailbox_catching).to_string(),
                            false => t_string!(i18n, mailbox_off).to_string(),
                        };
                        let empty = mailbox.mails.is_empty();
                        view! {
                            <p class="mb-6 text-sm text-gray-600 dark:text-gray-300" data-testid="mailbox-note">{note}</p>
                            {empty.then(|| view! { <p class="text-sm text-gray-500">{t!(i18n, mailbox_empty)}</p> })}
                            <ul class="flex flex-col gap-3" data-testid="mailbox">
                                {mailbox.mails.into_iter().map(|mail| view! {
                                    <li class="rounded-md border border-gray-100 bg-gray-50 p-4 text-sm dark:border-gray-800 dark:bg-gray-900" data-testid="mail">
                                        <details>
                                            <summary class="cursor-pointer">
                                                <span class="font-medium" data-testid="mail-subject">{mail.subject.clone()}</span>
                                                <span class="ml-2 text-gray-500">{t!(i18n, mailbox_to)} " " {mail.rcpt_to.join(", ")}</span>
                                                <span class="ml-2 text-xs text-gray-500">{crate::formatting::utc(mail.received_at)}</span>
                                            </summary>
                                            <p class="mt-2 text-xs text-gray-500">{t!(i18n, mailbox_from)} " " {mail.mail_from.clone()}</p>
                                            <pre class="mt-2 whitespace-pre-wrap font-sans" data-testid="mail-body">{mail.body.clone()}</pre>
                                        </details>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }
                    })
                })}
            </Transition>
        </div>
    }
}
