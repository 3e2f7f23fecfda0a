/* topics_default.c - the 12 built-in topics, used when bantin.conf has no
 * [topic] section (VIETNAMESE.md section 4).
 *
 * Keywords are in the old tone placement ("hòa", "ủy"); matching goes
 * through text_match_key, so the new style matches too. Topics 8 and 9 are
 * event types that co-occur with the subject topics. Keep this list and the
 * [topic] sections of bantin.conf.example the same: a test compares them. */
#include "config/internal.h"

const struct config_default_topic config_default_topics[] = {
    {"dan-van-kheo", "Dân vận khéo",
     "dân vận khéo; phong trào thi đua Dân vận khéo; mô hình dân vận khéo; "
     "điển hình dân vận khéo; Hội thi dân vận khéo; dân vận khéo trong; "
     "công trình dân vận; trọng dân, gần dân, hiểu dân; học dân; "
     "có trách nhiệm với dân"},
    {"guong-dien-hinh", "Gương điển hình, khen thưởng",
     "gương điển hình; điển hình tiên tiến; người tốt, việc tốt; gương sáng; "
     "biểu dương; tuyên dương; khen thưởng; bằng khen; giấy khen; tôn vinh; "
     "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"},
    {"quy-che-dan-chu", "Quy chế dân chủ ở cơ sở",
     "quy chế dân chủ; dân chủ ở cơ sở; thực hiện dân chủ ở cơ sở; "
     "Luật Thực hiện dân chủ ở cơ sở; dân biết, dân bàn, dân làm, dân kiểm tra; "
     "dân giám sát, dân thụ hưởng; hương ước; quy ước; "
     "ban thanh tra nhân dân; giám sát đầu tư của cộng đồng; "
     "đối thoại với nhân dân; hội nghị cán bộ, công chức"},
    {"dan-van-chinh-quyen", "Dân vận chính quyền và lực lượng vũ trang",
     "dân vận chính quyền; công tác dân vận của chính quyền; "
     "dân vận của cơ quan nhà nước; Năm dân vận chính quyền; "
     "cải cách hành chính; tiếp công dân; giải quyết khiếu nại, tố cáo; "
     "tiếp xúc cử tri; kiến nghị của cử tri; "
     "dân vận trong lực lượng vũ trang; quân đội; công an; quân dân; "
     "bộ đội biên phòng"},
    {"ton-giao", "Công tác tôn giáo",
     "tôn giáo; tín ngưỡng; chức sắc; chức việc; tín đồ; Phật giáo; "
     "Giáo hội Phật giáo Việt Nam; Công giáo; giáo xứ; linh mục; Tin lành; "
     "Cao Đài; Phật giáo Hòa Hảo; Lễ Phật đản; Lễ Giáng sinh; "
     "sống tốt đời, đẹp đạo"},
    {"dan-toc", "Công tác dân tộc",
     "đồng bào dân tộc thiểu số; dân tộc thiểu số; người có uy tín; già làng; "
     "trưởng bản; vùng đồng bào; miền núi; vùng cao; biên giới; "
     "Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng "
     "bào dân tộc thiểu số và miền núi; Khmer; Chôl Chnăm Thmây; Mông; Ê Đê; "
     "Gia Rai"},
    {"mat-tran-doan-the", "Mặt trận Tổ quốc và đoàn thể",
     "Mặt trận Tổ quốc; MTTQ; Ủy ban MTTQ Việt Nam; Ban công tác Mặt trận; "
     "Hội Liên hiệp Phụ nữ; Hội Nông dân; Hội Cựu chiến binh; "
     "Đoàn Thanh niên; Công đoàn; Liên đoàn Lao động; "
     "tổ chức chính trị - xã hội; Ngày hội Đại đoàn kết toàn dân tộc; "
     "khối đại đoàn kết; giám sát và phản biện xã hội; hội quần chúng"},
    {"hoi-nghi-tong-ket", "Hội nghị, tổng kết, sơ kết, kỷ niệm",
     "hội nghị; tổng kết; sơ kết; giao ban; giao ban khối dân vận; "
     "triển khai nhiệm vụ; phương hướng, nhiệm vụ; 6 tháng đầu năm; "
     "quán triệt; học tập nghị quyết; đại hội; nhiệm kỳ; kỷ niệm; "
     "ngày truyền thống; Ngày truyền thống công tác Dân vận của Đảng; 15/10"},
    {"tap-huan-boi-duong", "Tập huấn, bồi dưỡng",
     "tập huấn; bồi dưỡng; lớp bồi dưỡng; nghiệp vụ công tác dân vận; "
     "nâng cao năng lực; kỹ năng; báo cáo viên; khai giảng; bế giảng; "
     "học viên; đào tạo; cập nhật kiến thức; hội thảo; tọa đàm"},
    {"nong-thon-moi-an-sinh", "Nông thôn mới, đô thị văn minh, an sinh xã hội",
     "nông thôn mới; nông thôn mới nâng cao; nông thôn mới kiểu mẫu; "
     "đô thị văn minh; Toàn dân đoàn kết xây dựng nông thôn mới; OCOP; "
     "hiến đất; làm đường; giảm nghèo; hộ nghèo; an sinh xã hội; "
     "nhà Đại đoàn kết; xóa nhà tạm, nhà dột nát; trao quà; "
     "Quỹ Vì người nghèo"},
    {"phong-chong-thien-tai", "Phòng, chống dịch bệnh và thiên tai",
     "phòng, chống dịch; dịch bệnh; COVID-19; tiêm vắc xin; sốt xuất huyết; "
     "thiên tai; bão; lũ; lũ lụt; sạt lở; mưa lũ; khắc phục hậu quả; "
     "cứu trợ; ủng hộ đồng bào bị thiệt hại; phòng chống thiên tai"},
    {"tinh-hinh-du-luan", "Nắm tình hình nhân dân, dư luận, tư tưởng",
     "tình hình nhân dân; nắm tình hình; dư luận xã hội; tâm trạng xã hội; "
     "tư tưởng; bảo vệ nền tảng tư tưởng của Đảng; đấu tranh phản bác; "
     "quan điểm sai trái, thù địch; tin giả; mạng xã hội; điểm nóng; "
     "khiếu kiện đông người; an ninh trật tự"},
};

const size_t config_default_topics_count =
    sizeof config_default_topics / sizeof config_default_topics[0];
