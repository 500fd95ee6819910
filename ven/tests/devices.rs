//! Device adapters against real peers: a Modbus TCP server, a local
//! program, an HTTP endpoint — all started in the test.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio_modbus::server::tcp::{accept_tcp_connection, Server};
use tokio_modbus::{ExceptionCode, Request, Response};
use ven::device::command::{CommandConfig, CommandDevice, WebhookConfig, WebhookDevice};
use ven::device::modbus::{
    LevelRegister, ModbusConfig, ModbusDevice, ReadRegister, RegisterKind, SetpointRegister,
};
use ven::device::Device;
use ven::protocol::SignalCommand;

type Regs = Arc<Mutex<HashMap<u16, u16>>>;

struct Meter(Regs);

impl tokio_modbus::server::Service for Meter {
    type Request = Request<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = std::future::Ready<Result<Response, ExceptionCode>>;

    fn call(&self, req: Request<'static>) -> Self::Future {
        let mut r = self.0.lock().unwrap();
        let read = |r: &HashMap<u16, u16>, a: u16, n: u16| {
            (a..a + n).map(|i| *r.get(&i).unwrap_or(&0)).collect()
        };
        std::future::ready(match req {
            Request::ReadHoldingRegisters(a, n) => {
                Ok(Response::ReadHoldingRegisters(read(&r, a, n)))
            }
            // Input registers live at +1000 in our map.
            Request::ReadInputRegisters(a, n) => {
                Ok(Response::ReadInputRegisters(read(&r, a + 1000, n)))
            }
            Request::WriteSingleRegister(a, v) => {
                r.insert(a, v);
                Ok(Response::WriteSingleRegister(a, v))
            }
            _ => Err(ExceptionCode::IllegalFunction),
        })
    }
}

async fn modbus_server(regs: Regs) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let server = Server::new(listener);
        let on_connected = move |stream, peer| {
            let regs = regs.clone();
            async move { accept_tcp_connection(stream, peer, move |_| Ok(Some(Meter(regs.clone())))) }
        };
        let _ = server
            .serve(&on_connected, |e| eprintln!("modbus server: {e}"))
            .await;
    });
    addr
}

fn level(l: f64) -> SignalCommand {
    SignalCommand {
        event_id: Some("E1".into()),
        level: l,
        ..SignalCommand::normal()
    }
}

#[tokio::test]
async fn modbus_writes_level_and_setpoint_and_reads_the_meter() {
    let regs: Regs = Arc::default();
    {
        let mut r = regs.lock().unwrap();
        // Power 70_000 counts (u32 over holding 10..11) at 0.1 W → 7000 W.
        r.insert(10, 1);
        r.insert(11, (70_000u32 - 65_536) as u16);
        // Energy in input register 20 (u16), Wh.
        r.insert(1020, 4321);
    }
    let addr = modbus_server(regs.clone()).await;
    let mut d = ModbusDevice::new(ModbusConfig {
        address: addr.to_string(),
        unit: 1,
        level: Some(LevelRegister {
            register: 100,
            scale: 1.0,
        }),
        setpoint: Some(SetpointRegister {
            register: 101,
            base: 22.0,
            step: 2.0,
            scale: 10.0,
        }),
        power: ReadRegister {
            register: 10,
            kind: RegisterKind::Holding,
            words: 2,
            scale: 0.1,
        },
        energy: ReadRegister {
            register: 20,
            kind: RegisterKind::Input,
            words: 1,
            scale: 1.0,
        },
        timeout_s: 2,
    })
    .unwrap();
    d.apply(&level(2.0), Utc::now()).await.unwrap();
    {
        let r = regs.lock().unwrap();
        assert_eq!(r.get(&100), Some(&2));
        assert_eq!(r.get(&101), Some(&260), "(22 + 2*2) * 10");
    }
    let t = d.read(Utc::now()).await.unwrap();
    assert!((t.power_w - 7000.0).abs() < 1e-6, "{}", t.power_w);
    assert_eq!(t.energy_wh, 4321.0);
    assert_eq!(t.level, 2.0);
    d.apply(&SignalCommand::normal(), Utc::now()).await.unwrap();
    assert_eq!(regs.lock().unwrap().get(&100), Some(&0));

    // A dead server is an error, not a hang or a panic.
    let mut dead = ModbusDevice::new(ModbusConfig {
        address: "127.0.0.1:1".into(),
        unit: 1,
        level: None,
        setpoint: None,
        power: ReadRegister {
            register: 0,
            kind: RegisterKind::Holding,
            words: 1,
            scale: 1.0,
        },
        energy: ReadRegister {
            register: 0,
            kind: RegisterKind::Holding,
            words: 1,
            scale: 1.0,
        },
        timeout_s: 1,
    })
    .unwrap();
    assert!(dead.read(Utc::now()).await.is_err());
}

#[tokio::test]
async fn command_adapter_hands_signals_to_a_program() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("signals.jsonl");
    let script = dir.path().join("bms.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n  signal) cat >> '{}'; echo >> '{}' ;;\n  read) echo '{{\"power_w\": 1234.5, \"energy_wh\": 99.0, \"can_shed\": false}}' ;;\n  *) exit 2 ;;\nesac\n",
            log.display(),
            log.display()
        ),
    )
    .unwrap();
    let mut d = CommandDevice::new(CommandConfig {
        program: "sh".into(),
        args: vec![script.display().to_string()],
        timeout_s: 5,
    });
    d.apply(&level(1.0), Utc::now()).await.unwrap();
    let sent: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    assert_eq!(sent["type"], "signal");
    assert_eq!(sent["level"], 1.0);
    assert_eq!(sent["event_id"], "E1");
    assert_eq!(sent["signal_name"], "SIMPLE");
    let t = d.read(Utc::now()).await.unwrap();
    assert_eq!(
        (t.power_w, t.energy_wh, t.can_shed, t.online),
        (1234.5, 99.0, false, true)
    );

    let mut bad = CommandDevice::new(CommandConfig {
        program: "false".into(),
        args: vec![],
        timeout_s: 5,
    });
    assert!(bad.read(Utc::now()).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_adapter_posts_signals_and_gets_the_meter() {
    use actix_web::{web, App, HttpResponse, HttpServer};
    let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let g = got.clone();
    let server = HttpServer::new(move || {
        let g = g.clone();
        App::new()
            .route(
                "/signal",
                web::post().to(move |b: web::Json<serde_json::Value>| {
                    let g = g.clone();
                    async move {
                        g.lock().unwrap().push(b.into_inner());
                        HttpResponse::NoContent().finish()
                    }
                }),
            )
            .route(
                "/meter",
                web::get().to(|| async {
                    HttpResponse::Ok().json(serde_json::json!({"power_w": 500.0, "energy_wh": 10.5, "manual_override": true}))
                }),
            )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);

    let mut d = WebhookDevice::new(WebhookConfig {
        signal_url: format!("http://{addr}/signal"),
        meter_url: format!("http://{addr}/meter"),
        timeout_s: 5,
    })
    .unwrap();
    d.apply(&level(3.0), Utc::now()).await.unwrap();
    assert_eq!(got.lock().unwrap()[0]["level"], 3.0);
    let t = d.read(Utc::now()).await.unwrap();
    assert_eq!(
        (t.power_w, t.energy_wh, t.manual_override),
        (500.0, 10.5, true)
    );
    handle.stop(false).await;
}
