//! Compile the C shim over libxmlsec1 (Debian: libxmlsec1-dev, libxml2-dev, pkg-config).
use std::process::Command;

fn pkg_config(args: &[&str]) -> Vec<String> {
    let out = Command::new("pkg-config")
        .args(args)
        .arg("xmlsec1-openssl")
        .output()
        .expect("pkg-config not found: apt-get install pkg-config libxmlsec1-dev libxml2-dev");
    if !out.status.success() {
        panic!(
            "pkg-config xmlsec1-openssl failed ({}): apt-get install libxmlsec1-dev libxml2-dev",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn main() {
    println!("cargo:rerun-if-changed=csrc/shim.c");
    println!("cargo:rerun-if-changed=build.rs");
    let mut b = cc::Build::new();
    b.file("csrc/shim.c").warnings(false);
    for f in pkg_config(&["--cflags"]) {
        if let Some(inc) = f.strip_prefix("-I") {
            b.include(inc);
        } else if let Some(def) = f.strip_prefix("-D") {
            match def.split_once('=') {
                Some((k, v)) => b.define(k, Some(v)),
                None => b.define(def, None),
            };
        }
    }
    b.compile("oadr_xmlsec_shim");
    for f in pkg_config(&["--libs"]) {
        if let Some(l) = f.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={l}");
        } else if let Some(p) = f.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={p}");
        }
    }
}
