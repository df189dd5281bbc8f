// The pages of web/, compiled into the binary and served at their path under "/".
#pragma once

#include <span>
#include <string_view>

namespace keyun::http {

class Router;

struct WebAsset {
  std::string_view path;          // "/manage.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

// Every file of web/, as embedded at build time (generated web_assets.cc).
[[nodiscard]] std::span<const WebAsset> WebAssets();

// Serves each asset at its path, "/" as index.html, and page names without ".html"
// ("/manage" → manage.html). Assets are immutable per build, so they carry an ETag.
void AddStaticPages(Router& router);

}  // namespace keyun::http
