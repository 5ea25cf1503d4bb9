// The circular as one self-contained A4 HTML document: 公文 layout (GB/T 9704 page margins, 仿宋 body,
// 黑体 headings), parts 一 to 六 and three attachments, with inline CSS and SVG and nothing fetched.
// The tables are in html_tables.cpp, the figures in svg.cpp and svg_timeline.cpp.
#include <fmt/format.h>

#include <ostream>
#include <string>

#include "report/markup.hpp"
#include "report/numbers.hpp"
#include "report/render.hpp"
#include "report/words.hpp"

namespace dueday::detail {
namespace {

// Page and fonts as report-design.md §7 sets them. The font stacks name the SC faces explicitly:
// a CJK collection holds every regional variant, and without them fontconfig may pick Japanese forms.
constexpr std::string_view css = R"css(
@page{size:A4;margin:37mm 26mm 35mm 28mm;@bottom-center{content:"— " counter(page) " —";font:14pt "Noto Serif CJK SC",serif}}
@page wide{size:A4 landscape;margin:28mm 26mm 26mm 28mm}
:root{--fs:FangSong,"仿宋",FangSong_GB2312,STFangsong,"Noto Serif CJK SC",serif;
--hei:SimHei,"黑体","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;
--kai:KaiTi,"楷体",KaiTi_GB2312,STKaiti,"LXGW WenKai","AR PL UKai CN","Noto Serif CJK SC",serif;
--song:"FZXiaoBiaoSong-B05S","方正小标宋简体","Noto Serif CJK SC",serif}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact;color:#000;background:#fff}
body{font-family:var(--fs);font-size:16pt;line-height:1.75;margin:0 auto;max-width:156mm;padding:12mm 0}
@media print{body{max-width:none;padding:0}}
p{margin:0;text-indent:2em;text-align:justify}
p.to,p.flush{text-indent:0}
.en{font-family:"Noto Sans",Arial,sans-serif;font-size:8pt;color:#333;font-weight:normal;letter-spacing:0}
.head{border-bottom:1.5pt solid #000;padding-bottom:3mm;margin-bottom:8mm}
.issuer{font-family:var(--song);font-size:20pt;font-weight:bold;text-align:center;line-height:1.3}
.docno{text-align:center;font-size:14pt;margin:2mm 0}
.meta{display:grid;grid-template-columns:auto 1fr;column-gap:3mm;font-size:10.5pt;line-height:1.5;margin:2mm 0 0}
.meta dt{font-family:var(--hei)}.meta dd{margin:0}
h1{font-family:var(--song);font-size:22pt;font-weight:bold;text-align:center;line-height:1.5;margin:0 0 2mm}
h1+.en{display:block;text-align:center;margin-bottom:6mm}
h2{font-family:var(--hei);font-size:16pt;font-weight:normal;margin:5mm 0 1mm;text-indent:2em;break-after:avoid}
h3{font-family:var(--kai);font-size:16pt;font-weight:normal;margin:3mm 0 1mm;text-indent:2em;break-after:avoid}
.named p{margin:1mm 0}
.sign{text-align:right;margin:12mm 4em 0 0;line-height:1.6}
.sign div{text-align:center;display:inline-block}
.attachment{break-before:page}
.attachment.wide{page:wide}
.attachment h2{text-indent:0}
figure{margin:3mm 0 5mm;break-inside:avoid}
figcaption{font-family:var(--hei);font-size:12pt;text-align:center;margin-top:1mm}
svg.figure{display:block;width:100%;height:auto;font-family:var(--hei)}
.tblock{margin:3mm 0 5mm}
.tcap{font-family:var(--hei);font-size:12pt;text-align:center;margin:0;break-after:avoid}
.tunit{font-size:9pt;text-align:right;margin:0;text-indent:0;break-after:avoid}
table{border-collapse:collapse;width:100%;font-size:9.5pt;line-height:1.35;font-variant-numeric:tabular-nums}
.wide table{font-size:9pt}
th,td{border:.5pt solid #000;padding:.6mm 1mm;vertical-align:middle}
th{font-family:var(--hei);font-weight:normal;text-align:center;background:#eee}
th .en{display:block;font-size:6.5pt}
td.n{text-align:right;white-space:nowrap}
td.c{text-align:center}
td.id{min-width:31mm;overflow-wrap:anywhere}td.id .en{display:block}
[data-table=T4] table{font-size:9pt}
thead{display:table-header-group}
tr{break-inside:avoid}
tr.none td{color:#444;font-style:italic}
.mark{font-family:var(--hei);font-size:8pt;border:.5pt solid #000;padding:0 .5mm;margin-left:1mm;white-space:nowrap}
.mark.dark{background:#000;color:#fff}
.note{font-size:9pt;line-height:1.5;text-indent:0;margin-top:1mm}
ol.rules{font-size:11pt;line-height:1.6;padding-left:2em}
.foot{font-size:9pt;border-top:.5pt solid #000;margin-top:8mm;padding-top:1mm;text-indent:0}
)css";

std::string replace_all(std::string s, std::string_view what, std::string_view with) {
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
  return s;
}

void write_head(std::ostream& out, const monthly_report& r) {
  const auto& o = r.options;
  const int year = static_cast<int>(r.month.year());
  const std::string docno =
      o.document_number.empty() ? fmt::format("〔{}〕　号", year) : html_escape(o.document_number);
  const auto last = std::chrono::year_month_day_last{r.month.year(), std::chrono::month_day_last{r.month.month()}};
  out << "<header class=\"head\">\n<div class=\"issuer\">" << html_escape(o.issuer) << "</div>\n"
      << "<div class=\"docno\" data-field=\"document-number\">" << docno << "</div>\n<dl class=\"meta\">"
      << fmt::format(
             "<dt>统计周期</dt><dd>{}1日00:00至{}日24:00（北京时间）<span class=\"en\">Period, "
             "Beijing time</span></dd>",
             month_title(r.month), static_cast<unsigned>(last.day()))
      << "<dt>数据截止</dt><dd>" << beijing_minute(r.data_until) << " <span class=\"en\">Data until</span></dd>"
      << "<dt>生成时间</dt><dd>" << beijing_minute(o.generated_at) << " <span class=\"en\">Generated</span></dd>"
      << "</dl>\n</header>\n";
}

void write_overview(std::ostream& out, const monthly_report& r) {
  const std::string m = month_short(r.month);
  out << "<section id=\"part-1\"><h2>一、总体情况 <span class=\"en\">1 Overview</span></h2>\n<p>";
  out << overview_text(r);
  out << "</p>\n";
  write_table_overview(out, r);
  out << "</section>\n";
}

void write_named(std::ostream& out, const monthly_report& r) {
  out << "<section id=\"part-5\" class=\"named\"><h2>五、通报事项 <span class=\"en\">5 Units named</span></h2>\n";
  if (r.named.empty()) {
    const std::string s =
        r.no_late_sentence.empty() ? month_short(r.month) + "，各单位均无超期办结件。" : r.no_late_sentence;
    out << "<p class=\"no-late\">" << html_escape(s) << "</p>\n";
  } else {
    for (const auto& n : r.named)
      out << "<p class=\"named-unit\" data-unit=\"" << html_escape(n.unit) << "\">" << html_escape(n.sentence)
          << "</p>\n";
  }
  out << "</section>\n";
}

void write_requirements(std::ostream& out, const monthly_report& r) {
  std::string deadline = "下月第10个工作日";
  if (r.reply_by) {
    const auto ymd = r.reply_by->ymd();
    deadline = fmt::format("{}月{}日", static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  }
  std::string text = replace_all(r.options.requirements, "{month}", month_short(r.month));
  text = replace_all(std::move(text), "{deadline}", deadline);
  out << "<section id=\"part-6\"><h2>六、整改要求 <span class=\"en\">6 Requirements</span></h2>\n<p>"
      << html_escape(text) << "</p>\n</section>\n";
}

void write_rules(std::ostream& out, const monthly_report& r) {
  const auto& o = r.options;
  out << "<section class=\"attachment\" id=\"annex-3\"><h2>附件3　统计口径说明 <span class=\"en\">Annex 3 "
         "Counting rules</span></h2>\n<ol class=\"rules\">\n"
      << "<li>"
         "每个计时（各环节计时及全流程计时）只对应一个责任单位：以事件所载单位为准；未载明的，取政策中该环节责任方的名"
         "称。</li>\n"
      << "<li>统计周期为自然月，北京时间1日00:00至末日24:00。新受理：本月起算的计时；办结：本月办结的计时。</li>\n"
      << "<li>按时办结：在到期时刻或之前办结；提前办结：按时且至少提前" << fmt::format("{:g}", o.early_margin)
      << "个工作日；超期办结：在到期时刻之后办结。</li>\n"
      << "<li>"
         "超期未办结：至月末未办结、未撤销且已过到期时刻；每月列出直至办结，办结当月计为超期办结一次。撤销案件的计时"
         "停止，两者均不计。</li>\n"
      << "<li>按时办结率 = 按时办结 ÷ 办结，并注明样本数n；分母为零时显示“—”，不显示0%或100%。环比以百分点计。</li>\n"
      << "<li>用时：计时的已计工作时间（扣除暂停），按其计算规则折算为工作日。因申请人原因的暂停不计入时限，单独列示。<"
         "/li>\n"
      << "<li>预警按所发信号计：黄牌（预警）、红牌（超期）、督办，计入发出当月。</li>\n"
      << "<li>全流程超期而各环节均未超期的，视为环节衔接超时，计入全流程计时的责任单位。</li>\n"
      << "<li>超出适用范围及撤销的案件单独统计，不计入各项比率。</li>\n"
      << "<li>排名：按时办结率由高到低，其次超期件数由少到多，再次平均用时由短到长；办结少于" << o.small_n
      << "件的单位标注“样本少”不排名；年内曾有业务而本月无业务的单位标注“本月无业务”。</li>\n"
      << "</ol>\n<p class=\"flush note\">工作日历：";
  for (std::size_t i = 0; i < r.notices.size(); ++i) out << (i ? "；" : "") << html_escape(r.notices[i]);
  if (r.notices.empty()) out << no_value;
  out << "。日历指纹 Calendar fingerprint：<code>" << html_escape(r.calendar_fingerprint) << "</code></p>\n"
      << "<p class=\"flush note\">时限标准：" << html_escape(r.policy_title) << "（" << html_escape(r.policy_id)
      << "，版本 " << html_escape(r.policy_version) << "）。</p>\n";
  write_table_pauses(out, r);
  out << "</section>\n";
}

void write_figures(std::ostream& out, const monthly_report& r) {
  const auto fig = [&](auto&& draw, std::string_view caption, std::string_view en) {
    out << "<figure>";
    draw(out, r);
    out << "<figcaption>" << caption << " <span class=\"en\">" << en << "</span></figcaption></figure>\n";
  };
  out << "<section class=\"attachment\" id=\"annex-2\"><h2>附件2　图表 <span class=\"en\">Annex 2 "
         "Figures</span></h2>\n";
  fig(write_figure_units, "图1　各单位按时办结率", "F1 On-time rate by unit");
  fig(write_figure_steps, "图2　各环节办结情况", "F2 Outcomes per step");
  fig(write_figure_workload, "图3　每日受理与办结", "F3 Daily workload");
  out << "<h3>超期案件时间线 <span class=\"en\">F6 Timelines of late cases</span></h3>\n";
  write_figure_timelines(out, r);
  out << "</section>\n";
}

}  // namespace

void write_report_html(std::ostream& out, const monthly_report& r) {
  const std::string title = "关于" + month_title(r.month) + "全市获得用水办理情况的通报";
  out << "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"dueday\">\n<title>" << title << "</title>\n<style>" << css
      << "</style>\n</head>\n<body>\n";
  write_head(out, r);
  // Two lines, broken where the phrase breaks, as 公文 titles are set (22 pt fits 20 characters a line).
  out << "<h1>关于" << month_title(r.month)
      << "全市获得用水<br>办理情况的通报</h1>\n<span class=\"en\">Circular on the handling of water connections in "
      << month_title(r.month).substr(0, 4) << "-" << fmt::format("{:02}", static_cast<unsigned>(r.month.month()))
      << "</span>\n<p class=\"to\">各有关单位：</p>\n"
      << "<p>为压实获得用水各环节办理责任，持续优化营商环境，根据《昆明市获得用水指标优化提升营商环境实施细则（试行）》"
         "要求，现将"
      << month_title(r.month) << "全市获得用水办理情况通报如下：</p>\n";
  write_overview(out, r);
  out << "<section id=\"part-2\"><h2>二、分环节情况 <span class=\"en\">2 By step</span></h2>\n"
      << "<p>各环节按各自时限分别计时，三个审批环节并联办理，互不影响。详见附件1表2。</p>\n";
  write_table_steps(out, r, false);
  out << "</section>\n<section id=\"part-3\"><h2>三、分单位情况及排名 <span class=\"en\">3 By unit, "
         "ranked</span></h2>\n<p>按按时办结率、超期件数、平均用时依次排名；办结少于"
      << r.options.small_n << "件的单位标注“样本少”，不参与排名。</p>\n";
  write_table_units(out, r, false);
  out << "</section>\n<section id=\"part-4\"><h2>四、超期及督办明细 <span class=\"en\">4 Late and escalated "
         "cases</span></h2>\n";
  if (r.late.empty()) out << "<p>" << month_short(r.month) << "无超期及督办案件。</p>\n";
  write_table_late(out, r);
  out << "</section>\n";
  write_named(out, r);
  write_requirements(out, r);
  out << "<p class=\"flush\">附件：1. 统计表　2. 图表　3. 统计口径说明</p>\n<div class=\"sign\"><div>"
      << html_escape(r.options.issuer) << "<br>" << chinese_date(beijing_day(r.options.generated_at))
      << "</div></div>\n";
  out << "<section class=\"attachment wide\" id=\"annex-1\"><h2>附件1　统计表 <span class=\"en\">Annex 1 "
         "Tables</span></h2>\n";
  write_table_overview(out, r);
  write_table_steps(out, r, true);
  write_table_units(out, r, true);
  write_table_evaluator(out, r);
  out << "</section>\n";
  write_figures(out, r);
  write_rules(out, r);
  out << "<p class=\"foot\">本通报由系统根据办理事件自动生成 <span class=\"en\">Generated by dueday from the "
         "engine's events</span></p>\n</body>\n</html>\n";
}

}  // namespace dueday::detail
