//! `gateward user`: add a user of the web app (guard, team leader, manager, admin) or set a
//! password; the password is generated (one the password policy accepts) and printed once.

use anyhow::Context as _;

use crate::config::Config;
use crate::domain::{Desk, Role};
use crate::store::{NewUser, Store, database_path};
use crate::web::auth::{hash_password, random_password_for};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Add a user; prints the password to hand over (新建账号)
    Add {
        /// The login, e.g. wangwei
        login: String,
        /// The name shown and written in the records, e.g. 王伟
        #[arg(long)]
        name: String,
        /// guard, team_leader, manager or admin (门岗/分队长/管理处/管理员)
        #[arg(long, default_value = "guard")]
        role: Role,
        /// The post whose notifications they get: gate, patrol, central_control, office_duty,
        /// shift_leader
        #[arg(long, default_value = "gate")]
        post: Desk,
        /// The day they started at the gate (YYYY-MM-DD), for training
        #[arg(long)]
        started: Option<chrono::NaiveDate>,
    },
    /// Give a user a new password; prints it and ends their logins (重置密码)
    Password { login: String },
    /// List the users (账号列表)
    List,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let data = &config.paths.data;
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the data folder {}", data.display()))?;
    let store = Store::open(database_path(data))?;
    match &args.action {
        Action::Add {
            login,
            name,
            role,
            post,
            started,
        } => {
            // generated, so the password policy (app::password) holds for it
            let password = random_password_for(login, name);
            store.add_user(
                "command line",
                NewUser {
                    login: login.clone(),
                    name: name.clone(),
                    role: *role,
                    post: *post,
                    password_hash: hash_password(&password)?,
                    started: *started,
                    must_change: true,
                },
            )?;
            println!(
                "{login} / {password}   {name}，{}，{}",
                role.zh(),
                post.zh()
            );
        }
        Action::Password { login } => {
            let user = store
                .user_by_login(login)?
                .with_context(|| format!("no user \"{login}\"; see gateward user list"))?;
            let password = random_password_for(&user.login, &user.name);
            store.set_password("command line", user.id, hash_password(&password)?, true)?;
            println!("{login} / {password}");
        }
        Action::List => {
            for u in store.users()? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    u.login,
                    u.name,
                    u.role.zh(),
                    u.post.zh(),
                    if u.disabled { "\t(停用)" } else { "" }
                );
            }
        }
    }
    Ok(())
}
