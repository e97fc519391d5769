//! The sample sites are embedded into the binary (`include_dir!`), which does not track the files
//! it includes: ask cargo to rebuild when anything under samples/ changes.
fn main() {
    println!("cargo:rerun-if-changed=../samples");
}
