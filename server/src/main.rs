use server::{settings::Settings, startup::Application, telemetry};

#[tokio::main]
async fn main() {
    telemetry::run_main(async {
        let path = telemetry::settings_path();
        let settings = Settings::load(&path)?;
        let leptos = leptos::prelude::get_configuration(Some(&path.to_string_lossy()))
            .map_err(|e| anyhow::anyhow!("Leptos settings in {}: {e}", path.display()))?;
        let app = Application::build(settings, leptos.leptos_options).await?;
        telemetry::cancel_on_signal(app.shutdown.clone());
        app.run_until_stopped().await;
        Ok(())
    })
    .await
}
