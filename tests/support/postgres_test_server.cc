#include "support/postgres_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

extern char** environ;

namespace keyun::testing {
namespace {

constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";

std::string BinDir() {
  const char* dir = std::getenv("KEYUN_TEST_PG_BINDIR");
  return dir != nullptr && *dir != '\0' ? dir : kDefaultBinDir;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Tail(const std::string& text, std::size_t max = 2000) {
  return text.size() <= max ? text : "…" + text.substr(text.size() - max);
}

// Runs argv (no shell) with stdout and stderr appended to `log`, stdin from /dev/null; as the
// postgres user when we are root. Returns the exit status, or -1 if it could not be started.
int Run(std::vector<std::string> argv, const std::string& log) {
  if (geteuid() == 0) {
    argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  }
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A port nobody listens on right now (the kernel's pick for port 0).
Result<int> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Unavailable(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    int error = errno;
    close(fd);
    return Unavailable(fmt::format("cannot find a free port: {}", std::strerror(error)));
  }
  close(fd);
  return ntohs(address.sin_port);
}

// Runs one statement as the superuser outside any transaction (CREATE/DROP DATABASE).
Result<void> AdminExec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = PQerrorMessage(conn);
    PQfinish(conn);
    return Unavailable(fmt::format("cannot connect to test PostgreSQL: {}", reason));
  }
  PGresult* result = PQexec(conn, sql.c_str());
  Result<void> outcome;
  if (PQresultStatus(result) != PGRES_COMMAND_OK) {
    outcome = Unavailable(fmt::format("{}: {}", sql, PQerrorMessage(conn)));
  }
  PQclear(result);
  PQfinish(conn);
  return outcome;
}

std::string RandomSuffix() {
  static std::mutex mu;
  static std::mt19937_64 random{std::random_device{}()};
  std::lock_guard lock(mu);
  return fmt::format("{:016x}", random());
}

// Starts `/bin/sh` in a session of its own (so a kill of our process group spares it) that
// waits for EOF on a pipe, which happens however this process ends, then stops the server and
// removes its directory. Returns the pipe's write end and its pid, or -1.
std::pair<int, pid_t> StartWatchdog(const std::string& directory) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {-1, 0};
  std::string stop =
      fmt::format("'{}/pg_ctl' -D '{}/data' -m immediate -w stop", BinDir(), directory);
  if (geteuid() == 0) stop = "/usr/sbin/runuser -u postgres -- " + stop;
  std::string script =
      fmt::format("read ignored; {} >/dev/null 2>&1; rm -rf '{}'", stop, directory);
  std::vector<std::string> argv = {"/bin/sh", "-c", script};
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);  // dup2 clears close-on-exec
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    return {-1, 0};
  }
  return {fds[1], pid};
}

}  // namespace

std::string PostgresTestServer::WithDatabase(std::string_view url, std::string_view database) {
  std::string out(url);
  std::size_t authority = out.find("://");
  authority = authority == std::string::npos ? 0 : authority + 3;
  const std::size_t query = std::min(out.find('?', authority), out.size());
  const std::size_t path = std::min(out.find('/', authority), query);
  out.replace(path, query - path, "/" + std::string(database));
  return out;
}

std::string PostgresTestServer::DatabaseOf(std::string_view url) {
  std::size_t authority = url.find("://");
  authority = authority == std::string_view::npos ? 0 : authority + 3;
  const std::size_t query = std::min(url.find('?', authority), url.size());
  const std::size_t path = std::min(url.find('/', authority), query);
  return path + 1 >= query ? std::string() : std::string(url.substr(path + 1, query - path - 1));
}

Result<std::unique_ptr<PostgresTestServer>> PostgresTestServer::Start() {
  Result<std::unique_ptr<PostgresTestServer>> server = StartIn(true);
  if (server) {
    std::tie((*server)->watchdog_fd_, (*server)->watchdog_pid_) =
        StartWatchdog((*server)->directory());
  }
  return server;
}

Result<std::unique_ptr<PostgresTestServer>> PostgresTestServer::StartDetached() {
  return StartIn(false);
}

Result<std::unique_ptr<PostgresTestServer>> PostgresTestServer::StartIn(bool owned) {
  const std::string bin = BinDir();
  if (access((bin + "/initdb").c_str(), X_OK) != 0 ||
      access((bin + "/pg_ctl").c_str(), X_OK) != 0) {
    return Unavailable(fmt::format(
        "PostgreSQL server binaries not found in {}: install them (apt-get install postgresql-15), "
        "set KEYUN_TEST_PG_BINDIR to their directory, or set KEYUN_TEST_PG_URL to an existing "
        "server",
        bin));
  }
  const passwd* postgres_user = nullptr;
  if (geteuid() == 0) {
    postgres_user = getpwnam("postgres");
    if (postgres_user == nullptr) {
      return Unavailable(
          "running as root, and initdb refuses root, but there is no `postgres` user to run it "
          "as: install postgresql-15 (which creates it) or run the tests as another user");
    }
  }

  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = fmt::format("{}/keyun-pg-XXXXXX", tmp != nullptr && *tmp ? tmp : "/tmp");
  if (mkdtemp(pattern.data()) == nullptr) {
    return Unavailable(fmt::format("mkdtemp {}: {}", pattern, std::strerror(errno)));
  }
  const std::string dir = pattern;
  // From here on the directory is removed again on failure.
  std::unique_ptr<PostgresTestServer> server(new PostgresTestServer("", dir, true));
  if (postgres_user != nullptr &&
      chown(dir.c_str(), postgres_user->pw_uid, postgres_user->pw_gid) != 0) {
    return Unavailable(fmt::format("chown {} to postgres: {}", dir, std::strerror(errno)));
  }

  const std::string data = dir + "/data";
  const std::string log = dir + "/setup.log";
  if (Run({bin + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
           "--no-sync"},
          log) != 0) {
    return Unavailable(fmt::format("initdb failed:\n{}", Tail(ReadFile(log))));
  }
  // The port is free when picked but another process may take it first: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    Result<int> port = FreePort();
    if (!port) return Propagate(port);
    const std::string options = fmt::format(
        "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB",
        *port, dir);
    if (Run({bin + "/pg_ctl", "-D", data, "-l", dir + "/server.log", "-w", "-t", "60", "-o",
             options, "start"},
            log) == 0) {
      std::string url = fmt::format("postgresql://postgres@127.0.0.1:{}/postgres", *port);
      std::unique_ptr<PostgresTestServer> started(new PostgresTestServer(url, dir, owned));
      server->owned_ = false;  // `started` has the directory now
      return started;
    }
  }
  return Unavailable(fmt::format("pg_ctl start failed:\n{}\n{}", Tail(ReadFile(log)),
                                 Tail(ReadFile(dir + "/server.log"))));
}

std::unique_ptr<PostgresTestServer> PostgresTestServer::Attach(std::string url) {
  return std::unique_ptr<PostgresTestServer>(new PostgresTestServer(std::move(url), "", false));
}

Result<void> PostgresTestServer::StopDirectory(const std::string& directory) {
  Result<void> outcome;
  if (std::filesystem::exists(directory + "/data/postmaster.pid")) {
    const std::string log = directory + "/setup.log";
    if (Run({BinDir() + "/pg_ctl", "-D", directory + "/data", "-m", "immediate", "-w", "stop"},
            log) != 0) {
      outcome = Unavailable(fmt::format("pg_ctl stop failed:\n{}", Tail(ReadFile(log))));
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);
  return outcome;
}

PostgresTestServer::~PostgresTestServer() {
  if (owned_ && !directory_.empty()) (void)StopDirectory(directory_);
  if (watchdog_fd_ >= 0) {
    close(watchdog_fd_);  // the watchdog wakes, finds nothing left to do, and exits
    while (waitpid(watchdog_pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

Result<std::string> PostgresTestServer::CreateDatabase(std::string_view name) {
  std::string database = name.empty() ? "t_" + RandomSuffix() : std::string(name);
  // FILE_COPY copies the tiny template's files: several times faster than PostgreSQL 15's
  // default WAL_LOG. Servers before 15 (KEYUN_TEST_PG_URL) know no STRATEGY.
  if (auto fast =
          AdminExec(url_, fmt::format("CREATE DATABASE \"{}\" STRATEGY FILE_COPY", database));
      !fast) {
    if (auto ok = AdminExec(url_, fmt::format("CREATE DATABASE \"{}\"", database)); !ok) {
      return Propagate(ok);
    }
  }
  return WithDatabase(url_, database);
}

Result<void> PostgresTestServer::DropDatabase(std::string_view name) {
  return AdminExec(url_, fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name));
}

Result<PostgresTestServer*> PostgresTestServer::Shared() {
  static std::mutex mu;
  static std::unique_ptr<PostgresTestServer> server;  // stopped at exit if we started it
  static std::optional<Error> failure;
  std::lock_guard lock(mu);
  if (server) return server.get();
  if (failure) return tl::unexpected<Error>(*failure);

  if (const char* url = std::getenv("KEYUN_TEST_PG_URL"); url != nullptr && *url != '\0') {
    server = Attach(url);
    return server.get();
  }
  if (const char* state = std::getenv("KEYUN_TEST_PG_SHARED"); state != nullptr && *state != '\0') {
    std::ifstream in(state);
    std::string url;
    if (in && std::getline(in, url) && !url.empty()) {
      server = Attach(url);
      return server.get();
    }
  }
  Result<std::unique_ptr<PostgresTestServer>> started = Start();
  if (!started) {
    failure = started.error();
    return tl::unexpected<Error>(*failure);
  }
  server = std::move(*started);
  return server.get();
}

}  // namespace keyun::testing
