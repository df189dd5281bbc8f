#include "core/person_name.h"

#include <gtest/gtest.h>

#include <string>

namespace keyun::core {
namespace {

std::string Ok(std::string_view text) {
  Result<std::string> name = NormalizePersonName(text);
  EXPECT_TRUE(name) << "refused " << text << ": " << name.error().ToString();
  return name ? *name : std::string();
}

Error Refused(std::string_view text) {
  Result<std::string> name = NormalizePersonName(text);
  EXPECT_FALSE(name) << "accepted " << *name;
  return name ? Error{} : name.error();
}

TEST(PersonName, AcceptsChineseNamesAndExtensionIdeographs) {
  EXPECT_EQ(Ok("欧阳娜"), "欧阳娜");
  EXPECT_EQ(Ok("王〇"), "王〇");
  EXPECT_EQ(Ok("张\xF0\xA0\x80\x80"), "张\xF0\xA0\x80\x80");  // U+20000, extension B
  EXPECT_EQ(Ok("李\xE4\xB6\xB5"), "李\xE4\xB6\xB5");          // U+4DB5, extension A
}

TEST(PersonName, MinorityNamesKeepTheMiddleDotAndLookAlikesBecomeIt) {
  EXPECT_EQ(Ok("阿卜杜·热合曼"), "阿卜杜·热合曼");
  EXPECT_EQ(Ok("阿卜杜•热合曼"), "阿卜杜·热合曼");  // U+2022
  EXPECT_EQ(Ok("阿卜杜・热合曼"), "阿卜杜·热合曼");  // U+30FB
  EXPECT_EQ(Ok("阿卜杜‧热合曼"), "阿卜杜·热合曼");  // U+2027
  Refused("·热合曼");
  Refused("热合曼·");
  Refused("阿卜杜··热合曼");
}

TEST(PersonName, ForeignNamesWithDiacriticsSpacesHyphensAndApostrophes) {
  EXPECT_EQ(Ok("  José  María   O’Neil-García "), "José María O'Neil-García");
  EXPECT_EQ(Ok("Ελένη"), "Ελένη");
  EXPECT_EQ(Ok("Иван Петров"), "Иван Петров");
  EXPECT_EQ(Ok("김민준"), "김민준");
  EXPECT_EQ(Ok("Jose\xCC\x81"), "Jose\xCC\x81");  // combining acute accent after a letter
  Refused("\xCC\x81Jose");
  Refused("O'-Neil");
  Refused("-Neil");
}

TEST(PersonName, RefusesEmptyAndAllSpaces) {
  EXPECT_EQ(Refused("").message_zh, "请填写姓名");
  Refused("   ");
  Refused("\xE3\x80\x80\xE3\x80\x80");  // ideographic spaces
}

TEST(PersonName, RefusesControlCharactersAndNul) {
  Refused(std::string("张\0三", 7));
  Refused("张\n三");
  Refused("张\t三");
  Refused("张\x7F三");
  Refused("张\xC2\x85三");  // U+0085 NEL
  Error e = Refused("张\x01三");
  EXPECT_NE(e.message.find("U+0001"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("control character"), std::string::npos) << e.message;
  EXPECT_NE(e.message_zh.find("控制字符"), std::string::npos) << e.message_zh;
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
}

TEST(PersonName, RefusesBidiControlsAndZeroWidthCharacters) {
  for (const char* bad : {"\xE2\x80\xAE", "\xE2\x80\xAA", "\xE2\x80\xAD", "\xE2\x81\xA6",
                          "\xE2\x81\xA9", "\xE2\x80\x8E", "\xE2\x80\x8F", "\xE2\x80\x8B",
                          "\xE2\x80\x8D", "\xEF\xBB\xBF"}) {
    Refused(std::string("张") + bad + "三");
  }
  EXPECT_NE(Refused("张\xE2\x80\xAE三").message.find("direction"), std::string::npos);
}

TEST(PersonName, RefusesInvalidUtf8) {
  Refused("\xFF");
  Refused("张\xE4\xB8");                // cut in the middle of a character
  Refused("\xC0\xAF");                 // overlong '/'
  Refused("\xED\xA0\x80");             // a surrogate
  Refused("\xF4\x90\x80\x80");         // above U+10FFFF
  EXPECT_NE(Refused("\x80").message.find("UTF-8"), std::string::npos);
}

TEST(PersonName, RefusesDigitsAndPunctuation) {
  EXPECT_NE(Refused("张三1").message.find("digit"), std::string::npos);
  Refused("张三１");
  Refused("张三!");
  Refused("<script>");
  Refused("张三😀");
}

TEST(PersonName, LengthIsCountedInCharacters) {
  std::string fifty;
  for (int i = 0; i < kMaxPersonNameChars; ++i) fifty += "娜";
  EXPECT_EQ(Ok(fifty), fifty);
  Error e = Refused(fifty + "娜");
  EXPECT_NE(e.message.find("51 characters"), std::string::npos) << e.message;
  std::string huge(170'000, 'a');
  EXPECT_LT(Refused(huge).message.size(), 100u);
}

}  // namespace
}  // namespace keyun::core
