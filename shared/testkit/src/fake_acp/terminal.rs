//! The fake agent's terminal commands (`run`, `start`, `wait`, `output`, `kill`,
//! `release`): each sends the client the `terminal/*` requests and reports, on one
//! line, what came back.

use agent_client_protocol::Client;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema as acp;
use serde_json::{Value, json};

use super::script::TermSpec;

fn exit_json(s: &acp::TerminalExitStatus) -> Value {
    json!({"exitCode": s.exit_code, "signal": s.signal})
}

fn output_json(r: &acp::TerminalOutputResponse) -> Value {
    json!({
        "output": r.output,
        "truncated": r.truncated,
        "exitStatus": r.exit_status.as_ref().map(exit_json),
    })
}

fn create_request(session: &acp::SessionId, spec: &TermSpec) -> acp::CreateTerminalRequest {
    acp::CreateTerminalRequest::new(session.clone(), spec.command.clone())
        .args(spec.args.clone())
        .env(
            spec.env
                .iter()
                .map(|(k, v)| acp::EnvVariable::new(k.clone(), v.clone()))
                .collect(),
        )
        .cwd(spec.cwd.clone().map(std::path::PathBuf::from))
        .output_byte_limit(spec.output_byte_limit)
}

/// `terminal/create`: the new terminal's id.
pub(super) async fn start(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    spec: &TermSpec,
) -> Result<String, String> {
    cx.send_request(create_request(session, spec))
        .block_task()
        .await
        .map(|r| r.terminal_id.0.to_string())
        .map_err(|e| e.message)
}

/// `run`: create, wait, read, release; the `run: …` line.
pub(super) async fn run(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    spec: &TermSpec,
) -> String {
    let steps = async {
        let id = start(cx, session, spec).await?;
        wait(cx, session, &id).await?;
        let output = output(cx, session, &id).await?;
        release(cx, session, &id).await?;
        Ok::<_, String>(output)
    };
    match steps.await {
        Ok(out) => format!("run: {}\n", output_json(&out)),
        Err(e) => format!("error: {e}\n"),
    }
}

async fn wait(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    id: &str,
) -> Result<acp::TerminalExitStatus, String> {
    cx.send_request(acp::WaitForTerminalExitRequest::new(
        session.clone(),
        id.to_owned(),
    ))
    .block_task()
    .await
    .map(|r| r.exit_status)
    .map_err(|e| e.message)
}

async fn output(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    id: &str,
) -> Result<acp::TerminalOutputResponse, String> {
    cx.send_request(acp::TerminalOutputRequest::new(
        session.clone(),
        id.to_owned(),
    ))
    .block_task()
    .await
    .map_err(|e| e.message)
}

async fn release(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    id: &str,
) -> Result<(), String> {
    cx.send_request(acp::ReleaseTerminalRequest::new(
        session.clone(),
        id.to_owned(),
    ))
    .block_task()
    .await
    .map(drop)
    .map_err(|e| e.message)
}

/// The line `wait`, `output`, `kill` or `release` says about terminal `id`.
pub(super) async fn act(
    cx: &ConnectionTo<Client>,
    session: &acp::SessionId,
    what: &str,
    id: Option<String>,
) -> String {
    let Some(id) = id else {
        return "error: no terminal started in this session\n".to_owned();
    };
    let said = match what {
        "wait" => wait(cx, session, &id)
            .await
            .map(|s| format!("exit: {}", exit_json(&s))),
        "output" => output(cx, session, &id)
            .await
            .map(|r| format!("output: {}", output_json(&r))),
        "kill" => cx
            .send_request(acp::KillTerminalRequest::new(session.clone(), id.clone()))
            .block_task()
            .await
            .map(|_| "killed".to_owned())
            .map_err(|e| e.message),
        _ => release(cx, session, &id)
            .await
            .map(|()| "released".to_owned()),
    };
    match said {
        Ok(line) => format!("{line}\n"),
        Err(e) => format!("error: {e}\n"),
    }
}
