// For sanitizer builds (-DKEYUN_SANITIZE=ON): LeakSanitizer reads these suppressions, in every
// test program that renders a PDF (linked into each as a source). cairo 1.16 (Debian 12) leaks
// about 0.8 KB per PDF when it subsets a CFF font such as Noto Sans CJK (a 15-line C program
// that only calls cairo shows it; TrueType fonts do not), and fontconfig and pango keep
// process-wide caches that LeakSanitizer cannot see through. None of it is ours;
// docs/eticket.md says what it means for a long-running node.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libcairo.so\n"
         "leak:libfontconfig.so\n"
         "leak:libpangoft2-1.0.so\n"
         "leak:libpangocairo-1.0.so\n";
}
