#include "http/static_pages.h"

#include <functional>
#include <string>

#include "http/server.h"

namespace keyun::http {

void AddStaticPages(Router& router) {
  for (const WebAsset& asset : WebAssets()) {
    std::string etag =
        "\"" + std::to_string(std::hash<std::string_view>{}(asset.body)) + "\"";
    Handler serve = [asset, etag](Request& request) {
      Response response;
      response.content_type = std::string(asset.content_type);
      response.headers.emplace_back("ETag", etag);
      response.headers.emplace_back("Cache-Control", "no-cache");
      if (request.Header("if-none-match") == etag) {
        response.status = 304;
        return response;
      }
      response.body = std::string(asset.body);
      return response;
    };
    router.Add(Method::kGet, asset.path, serve, Blocking::kMemoryFirst);
    std::string_view path = asset.path;
    if (path.ends_with(".html")) {
      std::string bare(path.substr(0, path.size() - 5));
      if (bare == "/index") bare = "/";
      router.Add(Method::kGet, bare, serve, Blocking::kMemoryFirst);
    }
  }
}

}  // namespace keyun::http
