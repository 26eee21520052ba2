//! Generates the `i18n` module (locales, keys, the `t!` plumbing) from app/locales/*.json,
//! with compile-time checks that every key exists in both languages.

use leptos_i18n_build::{Config, TranslationsInfos};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is set by cargo")?).join("i18n");
    let translations = TranslationsInfos::parse(Config::new("en")?.add_locale("it")?)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(out)?;
    Ok(())
}
