// Temporary directories and external tools (pdftotext, zbarimg, …) for tests of any part.
#pragma once

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace keyun::testing {

// A directory removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "keyun-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// What a shell command printed on stdout, and its wait status (0: exited with 0).
struct CommandResult {
  int status = -1;
  std::string out;
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  result.status = pclose(pipe);
  return result;
}

// Whether `tool` is on the PATH. The tests that need one fail (never skip) without it.
inline bool HaveTool(const std::string& tool) {
  return RunCommand("command -v " + tool + " >/dev/null 2>&1").status == 0;
}

// Writes `bytes` to `dir`/`name` and returns the file's path.
inline std::string WriteFile(const TempDir& dir, const std::string& name,
                             const std::string& bytes) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// A PDF's text as pdftotext (poppler-utils) reads it; fails the test if it cannot.
inline std::string PdfToText(const TempDir& dir, const std::string& pdf) {
  CommandResult text = RunCommand("pdftotext -enc UTF-8 '" + WriteFile(dir, "read.pdf", pdf) +
                                  "' - 2>/dev/null");
  EXPECT_EQ(text.status, 0) << "pdftotext could not read the PDF";
  return text.out;
}

}  // namespace keyun::testing
