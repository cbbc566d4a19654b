//! One file per subcommand: orchestration only (load → run → report → write), returning the
//! text for standard output. No argument parsing and no printing happens here.

pub mod run;
pub mod validate;

use std::path::Path;

use crate::scenario::{self, Scenario, ScenarioError};

/// Loads the scenario a command names: a file path, a built-in name (`malmo`,
/// `reference`), or the embedded default (`malmo`) when none is given.
pub fn load_scenario(arg: Option<&str>) -> Result<Scenario, ScenarioError> {
    let Some(arg) = arg else {
        return scenario::load_builtin("malmo").expect("malmo is built in");
    };
    let path = Path::new(arg);
    if !path.exists() {
        if let Some(s) = scenario::load_builtin(arg) {
            return s;
        }
    }
    scenario::load_path(path)
}
