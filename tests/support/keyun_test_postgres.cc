// keyun_test_postgres start|stop <state-file>: the ctest fixture "keyun_postgres". `start`
// launches one PostgreSQL server for the whole ctest run and writes its URL (line 1) and
// directory (line 2) to <state-file>, where PostgresTestServer::Shared() finds it through
// KEYUN_TEST_PG_SHARED; `stop` stops that server and removes its directory and the file.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/postgres_test_server.h"

namespace {

void StopPrevious(const std::string& state) {
  std::ifstream in(state);
  std::string url;
  std::string directory;
  if (in && std::getline(in, url) && std::getline(in, directory) && !directory.empty()) {
    if (auto stopped = keyun::testing::PostgresTestServer::StopDirectory(directory); !stopped) {
      std::fprintf(stderr, "%s\n", stopped.error().message.c_str());
    }
  }
  std::filesystem::remove(state);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::fprintf(stderr, "usage: keyun_test_postgres start|stop <state-file>\n");
    return 2;
  }
  const std::string state = argv[2];
  StopPrevious(state);  // a run that died before its cleanup
  if (std::string(argv[1]) == "stop") return 0;

  if (const char* url = std::getenv("KEYUN_TEST_PG_URL"); url != nullptr && *url != '\0') {
    std::printf("using KEYUN_TEST_PG_URL; no server started\n");
    return 0;
  }
  auto server = keyun::testing::PostgresTestServer::StartDetached();
  if (!server) {
    std::fprintf(stderr, "cannot start a test PostgreSQL server: %s\n",
                 server.error().message.c_str());
    return 1;
  }
  std::ofstream out(state + ".tmp");
  out << (*server)->url() << "\n" << (*server)->directory() << "\n";
  out.close();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", state.c_str());
    return 1;
  }
  std::filesystem::rename(state + ".tmp", state);
  std::printf("PostgreSQL test server at %s in %s\n", (*server)->url().c_str(),
              (*server)->directory().c_str());
  return 0;
}
