#!/usr/bin/python3
"""Generate the parse benchmark corpus: >= 100 MB of Vietnamese RSS 2.0 and Atom 1.0.

Usage: gen_corpus.py [--force] [DIR]     (DIR defaults to bench/corpus)

Deterministic: every byte depends only on SEED and this file (no clock, no
hash randomisation, one random.Random per document).  DIR/MANIFEST records
the sha256 of this file and every document with its size and item count;
when it matches, nothing is regenerated.  Standard library only.

The documents imitate what Vietnamese Party, Front and news sites publish:
dân vận news in both tone-mark styles (hòa/hoà, ủy/uỷ), some NFD titles,
CDATA descriptions holding HTML (<p>, <a href>, <img>, <br>), entity-escaped
HTML, HTML entities left inside CDATA (&ocirc; &#242; &nbsp;), RFC 822 dates
(+0700, GMT, GMT+7, 2-digit years) and Vietnamese ones, content:encoded,
guid, categories, dc:creator; Atom with xml:base and relative links.
"""

import hashlib
import os
import random
import sys
import time
import unicodedata

SEED = 15101930           # 15/10/1930, Ngày truyền thống công tác Dân vận
TARGET_BYTES = 110_000_000
MANIFEST = "MANIFEST"

# Clauses cut from dân vận news pages (../shared/seeds), one per line.
CLAUSES = """\
34 đồng chí đã được nhận kỷ niệm chương vì sự nghiệp dân vận của Ban Dân vận Trung ương
Ban Bí thư Trung ương Đoàn
Ban Chỉ đạo công tác tôn giáo
Ban Dân vận Trung ương sẽ tập trung tham mưu với Bộ Chính trị
Ban Dân vận Tỉnh ủy tiếp tục thực hiện Năm dân vận chính quyền
Ban Dân vận Tỉnh ủy tổ chức Hội thảo Đổi mới công tác nắm tình hình Nhân dân
Ban Dân vận các cấp từ Trung ương đến địa phương đã thực sự là cơ quan tham mưu đắc lực của Đảng
Ban Dân vận các cấp đã làm tốt công tác tham mưu cho cấp uỷ đảng về công tác vận động quần chúng
Ban chỉ đạo công tác Dân vận chính quyền
Ban chỉ đạo phong trào thi đua “Dân vận khéo”
Ban thanh tra nhân dân
Báo cáo đề dẫn Hội thảo khẳng định
Chánh Văn phòng Ban Dân vận Trung ương trực tiếp giảng dạy các chuyên đề
Chú trọng chọn việc để xây dựng mô hình dân vận khéo
Chưa ứng dụng mạnh mẽ công nghệ thông tin trong nắm tình hình
Chủ tịch Hồ Chí Minh từng chỉ rõ lực lượng của dân rất to
Chủ tịch Hội Nông dân làm dân vận khéo
Chủ tịch UBMTTQ Việt Nam tỉnh chủ trì hội nghị
Chủ tịch UBND tỉnh tại Hội nghị phát động đợt cao điểm Toàn dân đoàn kết
Các cấp ủy đảng cần quan tâm xây dựng đội ngũ cán bộ làm công tác dân vận có kiến thức
Cán bộ được phân công phụ trách công tác dân vận trong các đơn vị hoạt động chưa thường xuyên
Công an Quế Phong làm tốt công tác dân vận
Công tác dân vận của cơ quan Nhà nước tiếp tục đổi mới gắn với đẩy mạnh thực hiện Năm dân vận chính quyền
Công tác dân vận được đa dạng hóa hình thức vận động
Công tác nắm tình hình nhân dân là một nhiệm vụ quan trọng của công tác dân vận
Công tác phối hợp thực hiện công tác dân vận đi vào thực chất
Cấp ủy và cả hệ thống chính trị trên địa bàn tỉnh luôn coi trọng công tác dân vận
Cần tiếp tục nắm tình hình nhân dân trong và sau Đại hội XIII của Đảng
Dân vận khéo thì việc gì cũng thành công
Dự Hội thảo có đại diện lãnh đạo
Hiệu quả công tác dân vận khéo trên lĩnh vực an ninh trật tự ở Nghĩa Lộc
Hiệu quả thực hiện quy chế dân chủ ở cơ sở tại Sở Giáo dục và Đào tạo
Hệ thống dân vận các cấp đã có nhiều cố gắng
Hội nghị giao ban công tác Mặt trận Tổ quốc và các đoàn thể chính trị
Hội nghị đã nghe các đại biểu thảo luận
Hội đồng công tác quần chúng Trung ương
Kết quả phong trào “Dân vận khéo” ở huyện Yên Thành
Kết quả đó có sự đóng góp tích cực của công tác dân vận
Lưu ý một số vấn đề thực hiện trong thời gian tới
Lớp tập huấn lần này nhằm tiếp tục bổ sung kiến thức cho cán bộ cơ sở
MTTQ và các đoàn thể các cấp chưa thường xuyên
Mô hình dân vận khéo về dạy tiếng Việt cho dân Lào ở vùng biên giới
Ngoài ra các học viên còn được truyền đạt một số kỹ năng
Nhấn mạnh đến một số thách thức về kinh tế
Nằm trong khuôn khổ Hội nghị tổng kết công tác dân vận
Nội dung và phương thức công tác dân vận tại các sở
Phó Bí thư Thường trực Tỉnh ủy cũng thẳng thắn chỉ ra những tồn tại
Phó Trưởng Ban thường trực Ban Dân vận Trung ương
Phối hợp đẩy mạnh công tác dân vận của hệ thống chính trị
Qua đó nhằm bổ sung kiến thức về việc thực hiện quy chế dân chủ ở xã
Quán triệt Nghị quyết 25 của Ban Chấp hành Trung ương
Quốc hội thông qua Luật Thực hiện dân chủ ở cơ sở
Sự lan tỏa của phong trào thi đua “Dân vận khéo” ở huyện Tương Dương
Thực hiện chế độ thông tin báo cáo chưa kịp thời
Thực hiện nhiệm vụ thường trực của Ban Chỉ đạo Trung ương thực hiện Quy chế dân chủ ở cơ sở
Tiếp tục nghiên cứu tình hình các tầng lớp nhân dân
Trưởng Ban Dân vận Trung ương chủ trì Hội nghị
Tăng cường công tác nắm tình hình nhân dân
Tổng Thư ký Ủy ban Trung ương MTTQ Việt Nam khẳng định
Việc tổ chức đối thoại trực tiếp giữa người đứng đầu cấp ủy với nhân dân
Với sự vào cuộc của cả hệ thống chính trị và toàn thể nhân dân
ban dân vận các cấp tập trung lãnh đạo
báo cáo Ban Thường vụ Tỉnh ủy tiếp tục lãnh đạo
bên cạnh những kết quả đã đạt được
chuyên môn nghiệp vụ để vận dụng vào thực tiễn
chính quyền các cấp nói chung và nhiệm vụ công tác dân vận nói riêng
chính quyền các cấp tiếp tục quan tâm lãnh đạo
chính quyền các cấp đã quan tâm chỉ đạo thực hiện tốt công tác đối thoại
chưa rõ việc và còn thiếu kỹ năng
chặt chẽ với chính quyền
chỉ đạo phát huy sức mạnh tổng hợp của các tổ chức
chỉ đạo điểm về xây dựng mô hình Chính quyền thân thiện ở cấp cơ sở
chỉ đạo đổi mới công tác nắm tình hình nhân dân
chống dịch Covid-19
chủ động trong tham mưu
cung cấp thông tin và làm đầu mối chủ trì công tác dân vận
cuộc sống của nhân dân giảm bớt những khó khăn và cảm thấy ấm áp
các thành viên Ban chỉ đạo thực hiện Quy chế dân chủ ở cơ sở
các vấn đề tiềm ẩn yếu tố phát sinh ở cơ sở để có tham mưu
các đoàn thể các cấp đã có nhiều cố gắng trong đổi mới nội dung
các đoàn thể để giải quyết những tình huống dân vận cụ thể ở cơ sở
các đại biểu đã nghe một số tham luận và các ý kiến phát biểu trao đổi
các đồng chí Ủy viên Ban Thường vụ Tỉnh ủy
cách thức tiến hành công tác dân vận được đổi mới
cách thức triển khai công tác dân vận có hiệu quả trong thực tiễn
công chức về công tác dân vận còn hạn chế
công tác dân vận có nhiều chuyển biến tích cực
công tác dân vận của lực lượng vũ trang
công tác dân vận trên địa bàn tỉnh tiếp tục được duy trì
công tác dân vận đã phát huy vai trò vận động sức mạnh toàn hệ thống chính trị
công tác nắm tình hình nhân dân vẫn còn những hạn chế
công tác vận động đồng bào dân tộc thiểu số
cũng như những vấn đề đặt ra trong quá trình thực hiện
cơ quan nhà nước có vị trí quan trọng ban đầu
cần thực hiện dân chủ thực chất ở từng khu dân cư
cần xây dựng kế hoạch triển khai tốt công tác dân vận ngay từ đầu năm
cụ thể hóa từng nội dung để nâng cao hiệu quả công tác dân vận
của tỉnh về công tác dân vận được thực hiện nghiêm túc
diễn biến tâm trạng Nhân dân
dành cho các thành viên Ban chỉ đạo xây dựng và thực hiện quy chế dân chủ ở huyện và cơ sở
dự báo tình hình Nhân dân
giúp đội ngũ cán bộ bổ sung kiến thức
giải pháp công tác dân vận trong tình hình mới
góp phần quan trọng đổi mới công tác dân vận trong tình hình mới
góp phần thực hiện tốt nhiệm vụ phát triển kinh tế - xã hội
góp ý xây dựng Đảng
gương điển hình về dân vận để tạo sức lan tỏa trong cộng đồng
hiệu quả việc xây dựng và thực hiện Quy chế dân chủ ở cơ sở
hiệu quả đặc biệt là chế độ giao ban
hướng mạnh về cơ sở và đạt được những kết quả tương đối toàn diện
hệ thống chính trị trong tỉnh về công tác dân vận đã có sự chuyển biến mạnh mẽ
hệ thống chính trị được củng cố
hội nghị tập huấn có ý nghĩa quan trọng
hội quần chúng có nhiều đổi mới
khắc phục những hạn chế đã được chỉ ra
kịp thời tham mưu cho cấp ủy giải quyết vấn đề phát sinh và những vấn đề dư luận nhân dân quan tâm
là trách nhiệm của cả hệ thống chính trị
làm nòng cốt thúc đẩy hệ thống chính trị làm công tác dân vận
làm tốt công tác định hướng
ngành để mọi cơ quan trong hệ thống chính trị đều vào cuộc thực hiện công tác dân vận
người yếu thế để người dân được đón Tết an toàn
nhiều nơi chưa sâu sát cơ sở
nhân dân đã vào cuộc thực hiện có hiệu quả công tác hỗ trợ phòng, chống dịch
nhân rộng các mô hình hay, cách làm sáng tạo
như công tác dân vận trong giải phóng mặt bằng thực hiện các dự án đầu tư
nhấn mạnh công tác dân vận có vai trò rất quan trọng
nhất là trong thời gian diễn ra đại hội Đảng các cấp
nhất là về đất đai, môi trường
nâng cao nhận thức về lý luận chính trị và kỹ năng
nâng cao đời sống nhân dân
nắm chưa chắc tình hình địa bàn
phát huy vai trò của Nhân dân tham gia xây dựng Đảng
phát sinh ở cơ sở đạt hiệu quả
phương thức hoạt động công tác dân vận của hệ thống chính trị
phương thức nắm tình hình Nhân dân
phối hợp chưa đồng bộ
phối hợp tham mưu và tham gia giải quyết các vấn đề vướng mắc
quy chế dân chủ được phát huy
rà từng việc để hoàn thành các nhiệm vụ
sát với thực tiễn cuộc sống
tham mưu giải quyết tốt các vấn đề liên quan đến tôn giáo
tham mưu và tham gia giải quyết các vấn đề phát sinh ở cơ sở
thay mặt lãnh đạo Ban Dân vận Trung ương
thiếu phương pháp nắm bắt và dự báo chưa kịp thời
thành tựu và có nhiều đổi mới
thực hiện chính sách an sinh xã hội
thực hiện phong trào “Dân vận khéo” tại địa phương
thực hiện tốt phương châm vận động “đi từng ngõ, gõ từng nhà”
tinh thần trách nhiệm cao
tiêu biểu như công tác xây dựng nông thôn mới
tiếp tục tạo được sự đồng thuận trong nhân dân và xã hội
tiếp tục đổi mới phương thức
tiềm ẩn yếu tố phức tạp về an ninh chính trị
triển khai các văn bản mới liên quan đến công tác dân vận
trong bối cảnh khó khăn chung của cả nước
trong điều kiện khó khăn do ảnh hưởng đại dịch Covid-19
trong đó công tác dân vận chính quyền
trách nhiệm phối hợp công tác dân vận trong hệ thống chính trị đã có những chuyển biến tích cực
trọng tâm là tình hình nhân dân liên quan đến Đại hội XIII của Đảng
trực tiếp chăm lo cho đời sống của nhân dân, đặc biệt người khó khăn
tuyên truyền chưa đáp ứng được yêu cầu
tích cực tuyên truyền chủ trương của Đảng, chính sách, pháp luật của Nhà nước
tăng cường phối hợp với Mặt trận Tổ quốc và các tổ chức chính trị - xã hội
tạo sự đồng thuận của nhân dân trong thực hiện các nhiệm vụ chính trị của địa phương
tổ chức thành công hội thi “Dân vận khéo” tạo sự lan tỏa trong cán bộ và nhân dân
tổng kết các văn bản của Trung ương
xác định rõ công tác dân vận là nhiệm vụ của toàn hệ thống chính trị
xây dựng và thực hiện quy chế dân chủ ở cơ sở
áp dụng công nghệ thông tin để tuyên truyền chủ trương
Đảng ta luôn xác định công tác dân vận là nhiệm vụ chiến lược
Đồng chí Trưởng Ban Dân vận Tỉnh ủy cũng ghi nhận
Đồng thời nâng cao vai trò của ban dân vận trong tham mưu cho cấp ủy lãnh đạo
đoàn thể củng cố, phát huy khối đại đoàn kết toàn dân tộc
đánh giá cao những ý kiến tham luận tại hội thảo
đánh giá tình hình Nhân dân theo hướng thiết thực
đưa ra một số giải pháp khả thi để triển khai thực hiện trong thời gian tới
đường lối cách mạng phù hợp với lòng dân
đại diện lãnh đạo và chuyên viên phụ trách công tác dân vận cơ sở
đảm bảo an ninh quốc phòng
đảng viên đều xác định công tác dân vận là trách nhiệm của bản thân
đặc biệt là việc nắm bắt tình hình nhân dân
đề xuất và tổ chức thực hiện các nhiệm vụ
để tăng cường mối quan hệ mật thiết giữa Đảng với Nhân dân
đồng bào Việt Nam ở nước ngoài
đồng chí Phó Bí thư Thường trực Tỉnh ủy biểu dương những thành tích đã đạt được
đồng chí Trương Thị Mai cho rằng cần thúc đẩy hình thức dân chủ trực tiếp
đồng thời trao đổi những kinh nghiệm quý báu từ thực tiễn công tác dân vận tại các địa phương
đồng thời tập trung nắm bắt tình hình nhân dân trước, trong và sau Tết
Ủy ban MTTQ và các tổ chức chính trị - xã hội
Ủy viên Ban Thường vụ Thành ủy
"""

# The topic taxonomy of VIETNAMESE.md section 4: title, then keywords.
TOPICS = [
    ("Dân vận khéo", "dân vận khéo; phong trào thi đua “Dân vận khéo”; mô hình dân vận khéo; điển hình dân vận khéo; Hội thi dân vận khéo; công trình dân vận; “trọng dân, gần dân, hiểu dân”; học dân; có trách nhiệm với dân"),
    ("Gương điển hình, khen thưởng", "gương điển hình; điển hình tiên tiến; người tốt, việc tốt; gương sáng; biểu dương; tuyên dương; khen thưởng; bằng khen; giấy khen; tôn vinh; học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"),
    ("Quy chế dân chủ ở cơ sở", "quy chế dân chủ; dân chủ ở cơ sở; thực hiện dân chủ ở cơ sở; Luật Thực hiện dân chủ ở cơ sở; dân biết, dân bàn, dân làm, dân kiểm tra; dân giám sát, dân thụ hưởng; hương ước; quy ước; ban thanh tra nhân dân; giám sát đầu tư của cộng đồng; đối thoại với nhân dân; hội nghị cán bộ, công chức"),
    ("Dân vận chính quyền", "dân vận chính quyền; công tác dân vận của chính quyền; dân vận của cơ quan nhà nước; Năm dân vận chính quyền; cải cách hành chính; tiếp công dân; giải quyết khiếu nại, tố cáo; tiếp xúc cử tri; kiến nghị của cử tri; dân vận trong lực lượng vũ trang; quân dân; bộ đội biên phòng"),
    ("Công tác tôn giáo", "tôn giáo; tín ngưỡng; chức sắc; chức việc; tín đồ; Giáo hội Phật giáo Việt Nam; Công giáo; giáo xứ; linh mục; Tin lành; Cao Đài; Phật giáo Hòa Hảo; Lễ Phật đản; Lễ Giáng sinh; sống tốt đời, đẹp đạo"),
    ("Công tác dân tộc", "đồng bào dân tộc thiểu số; người có uy tín; già làng; trưởng bản; vùng đồng bào; miền núi; vùng cao; biên giới; Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi; Khmer; Chôl Chnăm Thmây; Mông; Ê Đê; Gia Rai"),
    ("Mặt trận Tổ quốc và đoàn thể", "Mặt trận Tổ quốc; MTTQ; Ủy ban MTTQ Việt Nam; Ban công tác Mặt trận; Hội Liên hiệp Phụ nữ; Hội Nông dân; Hội Cựu chiến binh; Đoàn Thanh niên; Công đoàn; Liên đoàn Lao động; tổ chức chính trị - xã hội; Ngày hội Đại đoàn kết toàn dân tộc; khối đại đoàn kết; giám sát và phản biện xã hội; hội quần chúng"),
    ("Hội nghị, tổng kết, kỷ niệm", "hội nghị; tổng kết; sơ kết; giao ban; giao ban khối dân vận; triển khai nhiệm vụ; phương hướng, nhiệm vụ; 6 tháng đầu năm; quán triệt; học tập nghị quyết; đại hội; nhiệm kỳ; kỷ niệm; ngày truyền thống; Ngày truyền thống công tác Dân vận của Đảng"),
    ("Tập huấn, bồi dưỡng", "tập huấn; bồi dưỡng; lớp bồi dưỡng; nghiệp vụ công tác dân vận; nâng cao năng lực; kỹ năng; báo cáo viên; khai giảng; bế giảng; học viên; đào tạo; cập nhật kiến thức; hội thảo; tọa đàm"),
    ("Nông thôn mới, an sinh", "nông thôn mới; nông thôn mới nâng cao; nông thôn mới kiểu mẫu; đô thị văn minh; Toàn dân đoàn kết xây dựng nông thôn mới; OCOP; hiến đất; làm đường; giảm nghèo; hộ nghèo; an sinh xã hội; nhà Đại đoàn kết; xóa nhà tạm, nhà dột nát; trao quà; Quỹ Vì người nghèo"),
    ("Phòng, chống dịch bệnh và thiên tai", "phòng, chống dịch; dịch bệnh; COVID-19; tiêm vắc xin; sốt xuất huyết; thiên tai; bão; lũ lụt; sạt lở; mưa lũ; khắc phục hậu quả; cứu trợ; ủng hộ đồng bào bị thiệt hại; phòng chống thiên tai"),
    ("Nắm tình hình nhân dân", "tình hình nhân dân; nắm tình hình; dư luận xã hội; tâm trạng xã hội; bảo vệ nền tảng tư tưởng của Đảng; đấu tranh phản bác; quan điểm sai trái, thù địch; tin giả; mạng xã hội; điểm nóng; an ninh trật tự"),
]

PROVINCES = ("Hà Nội; Hải Phòng; Đà Nẵng; Thành phố Hồ Chí Minh; Cần Thơ; Nghệ An; Thanh Hóa; Hòa Bình; "
             "Khánh Hòa; Thừa Thiên Huế; Quảng Trị; Quảng Bình; Hà Tĩnh; Sơn La; Điện Biên; Lai Châu; Lào Cai; "
             "Yên Bái; Hà Giang; Tuyên Quang; Cao Bằng; Lạng Sơn; Bắc Kạn; Thái Nguyên; Phú Thọ; Vĩnh Phúc; "
             "Bắc Giang; Bắc Ninh; Quảng Ninh; Hưng Yên; Hải Dương; Thái Bình; Nam Định; Ninh Bình; Hà Nam; "
             "Quảng Nam; Quảng Ngãi; Bình Định; Phú Yên; Ninh Thuận; Bình Thuận; Kon Tum; Gia Lai; Đắk Lắk; "
             "Đắk Nông; Lâm Đồng; Bình Phước; Tây Ninh; Bình Dương; Đồng Nai; Bà Rịa - Vũng Tàu; Long An; "
             "Tiền Giang; Bến Tre; Trà Vinh; Vĩnh Long; Đồng Tháp; An Giang; Kiên Giang; Hậu Giang; Sóc Trăng; "
             "Bạc Liêu; Cà Mau").split("; ")

DISTRICTS = ("Thanh Trì; Yên Thành; Tương Dương; Quế Phong; Nghĩa Lộc; Con Cuông; Kỳ Sơn; Quỳnh Lưu; "
             "Thủy Nguyên; Hoài Đức; Mường Tè; Sìn Hồ; Mộc Châu; Tủa Chùa; Bắc Hà; Hoàng Su Phì; Quản Bạ; "
             "Trùng Khánh; Bảo Lâm; Ba Chẽ; Tiên Yên; Hòa Vang; Krông Pắc; Ea H'leo; Chư Sê; Đăk Glei; "
             "Tri Tôn; Tịnh Biên; Trần Đề; Ngã Năm; Châu Thành; Cầu Kè; Duyên Hải; Thoại Sơn; Phú Quốc; "
             "Hòa Thành; Gò Dầu; Lộc Ninh; Bù Đăng; Đạ Huoai").split("; ")

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Trương Quách Cao".split()
MIDDLE = "Văn Thị Hữu Đức Minh Thanh Quang Ngọc Xuân Hồng Thu Kim Việt".split()
GIVEN = ("Hòa Thủy Thúy Khoa Hùng Lan Hương Tuấn Dũng Hiền Quý Lộc Phúc Sơn Vinh Nam Mai Lĩnh Phong Khỏe "
         "Hòe Thụy Tùng Giang Hải Long Nghiệm Huyền Anh Thoa Xòe").split()

POSITIONS = ["Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng Ban Dân vận Tỉnh ủy",
             "Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh",
             "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh",
             "Phó Trưởng Ban Dân vận Tỉnh ủy",
             "Bí thư Huyện ủy",
             "Trưởng Ban Dân vận Huyện ủy",
             "Phó Chủ tịch UBND tỉnh",
             "Ủy viên Trung ương Đảng, Phó Trưởng Ban Dân vận Trung ương",
             "Chủ tịch Hội Liên hiệp Phụ nữ tỉnh",
             "Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh"]

ORGS = ["Ban Dân vận Tỉnh ủy {p}", "Ban Dân vận Tỉnh uỷ {p}", "Ủy ban MTTQ Việt Nam tỉnh {p}",
        "Ban Dân vận Huyện ủy {d}", "Hội Liên hiệp Phụ nữ huyện {d}", "Hội Nông dân tỉnh {p}",
        "Bộ đội Biên phòng tỉnh {p}", "Công an huyện {d}", "Đảng ủy Khối cơ quan và doanh nghiệp tỉnh {p}",
        "Ban Dân vận Thành ủy {p}", "Hội Cựu chiến binh tỉnh {p}", "Tỉnh đoàn {p}", "UBND huyện {d}"]

EVENTS = ["tổ chức hội nghị sơ kết", "tổng kết", "triển khai nhiệm vụ", "tập huấn", "khai mạc lớp bồi dưỡng",
          "gặp mặt", "tọa đàm", "trao quà", "kiểm tra", "giám sát", "biểu dương", "đối thoại về",
          "ký kết chương trình phối hợp về", "sơ kết 6 tháng đầu năm về", "hội thảo về", "phát động",
          "tuyên dương điển hình về", "giao ban khối dân vận về", "đẩy mạnh", "nâng cao hiệu quả"]

WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WEEKDAYS_VI = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]

# HTML entities left in CDATA by sites that encode non-ASCII letters.
NAMED = {"ô": "&ocirc;", "à": "&agrave;", "á": "&aacute;", "â": "&acirc;", "ã": "&atilde;", "è": "&egrave;",
         "é": "&eacute;", "ê": "&ecirc;", "ì": "&igrave;", "í": "&iacute;", "ò": "&ograve;", "ó": "&oacute;",
         "õ": "&otilde;", "ù": "&ugrave;", "ú": "&uacute;", "ý": "&yacute;", "Đ": "&ETH;", "“": "&ldquo;",
         "”": "&rdquo;", "–": "&ndash;"}

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

EPOCH_2024_10_15 = 1728950400    # 2024-10-15T00:00:00Z: the newest item, fixed


def split_list(s):
    return [x.strip() for x in s.split(";") if x.strip()]


CLAUSE_LIST = [c for c in CLAUSES.splitlines() if c.strip()]
KEYWORDS = [k for _, kws in TOPICS for k in split_list(kws)]


def new_style(text):
    """Move the tone of open oa/oe/uy syllables to the 2nd vowel (hòa -> hoà, ủy -> uỷ)."""
    out = []
    for word in text.split(" "):
        out.append(_new_style_word(word))
    return " ".join(out)


def _new_style_word(word):
    # Only a syllable ending in oa/oe/uy changes; punctuation may follow it.
    core = word.rstrip(",.;:!?”\")")
    tail = word[len(core):]
    if len(core) < 2:
        return word
    first, last = core[-2], core[-1]
    base = unicodedata.normalize("NFD", first)
    marks = [c for c in base[1:] if c in TONE_MARKS]
    if not marks or base[0].lower() not in "ou" or len(base) != 2:
        return word
    pair = base[0].lower() + last.lower()
    if pair not in ("oa", "oe", "uy"):
        return word
    if pair == "uy" and len(core) >= 3 and core[-3].lower() == "q":
        return word
    moved = base[0] + unicodedata.normalize("NFC", last + marks[0])
    return core[:-2] + moved + tail


def cap(s):
    return s[:1].upper() + s[1:]


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr_escape(s):
    return xml_escape(s).replace('"', "&quot;")


def cdata(s):
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def slugify(s):
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    out, dash = [], False
    for c in s:
        if c.isascii() and c.isalnum():
            out.append(c)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")[:90]


def entityize(s, rng, rate):
    """Replace some letters by HTML entities, as ASP.NET and old CMSes do (never inside a tag)."""
    if rate <= 0:
        return s
    out = []
    in_tag = False
    rnd = rng.random
    for c in s:
        if c == "<":
            in_tag = True
        elif c == ">":
            in_tag = False
        if c < "\x80" and c != " ":
            out.append(c)
        elif c in NAMED and rnd() < rate:
            out.append(NAMED[c])
        elif c == " ":
            out.append("&nbsp;" if not in_tag and rnd() < rate / 10 else c)
        elif c not in NAMED and rnd() < rate / 2:
            out.append("&#%d;" % ord(c) if rnd() < 0.7 else "&#x%X;" % ord(c))
        else:
            out.append(c)
    return "".join(out)


class Feed:
    """One document's style, drawn once, so that items inside agree like on a real site."""

    def __init__(self, rng, index, kind):
        self.rng = rng
        self.kind = kind
        self.province = rng.choice(PROVINCES)
        pslug = slugify(self.province)
        self.domain = rng.choice(["bandanvan.%s.gov.vn", "danvan.%s.dcs.vn", "%s.dcs.vn",
                                  "mattran.%s.gov.vn", "baodientu%s.vn"]) % pslug.replace("-", "")
        self.site = "Ban Dân vận Tỉnh ủy " + self.province
        self.new_style = rng.random() < 0.4          # hoà/uỷ instead of hòa/ủy
        self.nfd_rate = rng.choice([0.0, 0.0, 0.02, 0.1])
        self.entity_rate = rng.choice([0.0, 0.0, 0.0, 0.05, 0.3, 1.0])
        self.desc_style = rng.choice(["vnexpress", "cms", "cms", "escaped", "plain"])
        self.title_cdata = rng.random() < 0.5
        self.date_style = rng.choice(["+0700", "+0700", "+0700", "GMT", "2digit", "noweekday", "GMT+7",
                                      "+07", "vi_comma", "vi_dash", "vi_bar"])
        self.content = rng.random() < 0.45           # content:encoded / atom:content with the full text
        self.guid = rng.choice(["link", "link", "id", "none"])
        self.creator = rng.random() < 0.5
        self.enclosure = rng.random() < 0.3
        self.indent = rng.choice(["  ", "    ", "\t", ""])
        self.crlf = rng.random() < 0.1
        self.n_items = rng.randint(200, 400)
        self.next_id = rng.randint(10000, 900000) * 10
        self.t = EPOCH_2024_10_15 - rng.randint(0, 86400 * 365 * 6)   # 2018..2024

    # -- text -----------------------------------------------------------------
    def style(self, s):
        return new_style(s) if self.new_style else s

    def person(self):
        r = self.rng
        return "%s %s %s" % (r.choice(FAMILY), r.choice(MIDDLE), r.choice(GIVEN))

    def org(self):
        return self.rng.choice(ORGS).format(p=self.province, d=self.rng.choice(DISTRICTS))

    def title(self):
        r = self.rng
        while True:
            k = r.randrange(6)
            kw = r.choice(KEYWORDS)
            if k == 0:
                t = "%s %s %s năm %d" % (self.org(), r.choice(EVENTS), kw, r.randint(2018, 2024))
            elif k == 1:
                t = "%s: %s %s" % (r.choice(DISTRICTS), cap(r.choice(EVENTS)), kw)
            elif k == 2:
                t = "%s %s giai đoạn %d - %d" % (cap(r.choice(EVENTS)), kw, 2020, 2025)
            elif k == 3:
                t = cap(r.choice(CLAUSE_LIST))
            elif k == 4:
                t = "“Dân vận khéo” ở %s: %s" % (r.choice(DISTRICTS), r.choice(CLAUSE_LIST))
            else:
                t = "Phát huy vai trò %s trong %s" % (kw, r.choice(CLAUSE_LIST))
            if len(t) < 60:
                t += " tại " + r.choice(["huyện ", "xã ", "tỉnh "]) + r.choice(DISTRICTS + PROVINCES)
            if 60 <= len(t) <= 150:
                return self.style(t)

    def sentence(self):
        r = self.rng
        n = r.randint(2, 4)
        parts = [r.choice(CLAUSE_LIST) for _ in range(n)]
        if r.random() < 0.3:
            parts.insert(1, "đồng chí %s, %s" % (self.person(), r.choice(POSITIONS)))
        if r.random() < 0.3:
            parts.append(r.choice(KEYWORDS))
        s = cap(", ".join(parts)) + "."
        return self.style(s)

    def text(self, lo, hi):
        """Sentences totalling between lo and hi characters (cut at a word when over)."""
        goal = self.rng.randint(lo, hi)
        out = []
        size = 0
        while size < goal:
            s = self.sentence()
            out.append(s)
            size += len(s) + 1
        t = " ".join(out)
        if len(t) > hi:
            t = t[:t.rfind(" ", 0, hi)] + "…"
        return t

    def paragraphs(self, total):
        r = self.rng
        paras = []
        left = total
        while left > 0:
            n = r.randint(150, 600)
            paras.append(self.text(n - 50, n + 50))
            left -= n
        return paras

    def date_text(self):
        self.t -= self.rng.randint(300, 4 * 3600)
        return self.t

    # -- HTML -----------------------------------------------------------------
    def img_url(self, rel):
        r = self.rng
        path = "uploads/%d/%02d/%02d/%s-%d.jpg" % (r.randint(2019, 2024), r.randint(1, 12), r.randint(1, 28),
                                                   slugify(r.choice(KEYWORDS))[:30], r.randint(1000, 99999))
        return ("/" + path) if rel else "https://%s/%s" % (self.domain, path)

    def html_desc(self, link, plain):
        r = self.rng
        ds = self.desc_style
        if ds == "vnexpress":
            return ('<a href="%s"><img src="%s" ></a></br>%s' % (link, self.img_url(False), plain))
        if ds == "plain":
            return plain
        words = plain.split(" ")
        cut = max(1, len(words) // 2)
        a = " ".join(words[:cut])
        b = " ".join(words[cut:])
        html = '<p><img alt="%s" src="%s" width="180" height="120" /></p><p>%s<br>%s' % (
            attr_escape(r.choice(KEYWORDS)), self.img_url(r.random() < 0.5), a,
            "<strong>%s</strong> " % r.choice(KEYWORDS) if r.random() < 0.5 else "")
        html += '%s <a href="%s">Xem tiếp</a></p>' % (b, link)
        return html

    def article(self, link):
        r = self.rng
        paras = self.paragraphs(r.randint(800, 3000))
        out = []
        for i, p in enumerate(paras):
            if i == 1:
                out.append('<figure class="image"><img src="%s" alt="" /><figcaption><em>%s</em></figcaption>'
                           '</figure>' % (self.img_url(r.random() < 0.5), self.style(cap(r.choice(CLAUSE_LIST)))))
            if r.random() < 0.15:
                p = '<strong>%s</strong> %s' % (self.person(), p)
            out.append('<p style="text-align: justify;">%s</p>' % p)
        out.append('<p style="text-align: right;"><strong>%s</strong></p>' % self.person())
        out.append('<p>Tin liên quan: <a href="/tin-tuc/%s.html">%s</a></p>' % (
            slugify(self.title()), "Tin cùng chuyên mục"))
        return "\n".join(out)

    def maybe_nfd(self, s):
        return unicodedata.normalize("NFD", s) if self.rng.random() < self.nfd_rate else s

    # -- dates ----------------------------------------------------------------
    def rfc822(self, t):
        style = self.date_style
        if style in ("GMT",):
            tm = time.gmtime(t)
            zone = "GMT"
        else:
            tm = time.gmtime(t + 7 * 3600)
            zone = {"GMT+7": "GMT+7", "+07": "+07"}.get(style, "+0700")
        year = "%02d" % (tm.tm_year % 100) if style == "2digit" else "%d" % tm.tm_year
        hms = "%02d:%02d:%02d" % (tm.tm_hour, tm.tm_min, tm.tm_sec)
        if style.startswith("vi_"):
            wd = WEEKDAYS_VI[tm.tm_wday]
            dmy = "%02d/%02d/%d" % (tm.tm_mday, tm.tm_mon, tm.tm_year)
            hm = "%02d:%02d" % (tm.tm_hour, tm.tm_min)
            if style == "vi_comma":
                return "%s, %s %s" % (wd, dmy, hm)
            if style == "vi_dash":
                return "%s - %s %s" % (wd, dmy, hm)
            return "%s | %s" % (dmy, hm)
        body = "%02d %s %s %s %s" % (tm.tm_mday, MONTHS_EN[tm.tm_mon - 1], year, hms, zone)
        if style == "noweekday":
            return body
        return "%s, %s" % (WEEKDAYS_EN[tm.tm_wday], body)

    def rfc3339(self, t):
        if self.rng.random() < 0.3:
            tm = time.gmtime(t)
            return "%04d-%02d-%02dT%02d:%02d:%02dZ" % tm[:6]
        tm = time.gmtime(t + 7 * 3600)
        frac = ".000" if self.rng.random() < 0.2 else ""
        return "%04d-%02d-%02dT%02d:%02d:%02d%s+07:00" % (tm[:6] + (frac,))

    # -- documents ------------------------------------------------------------
    def categories(self):
        r = self.rng
        return [self.style(r.choice(TOPICS)[0]) for _ in range(r.randint(1, 3))]

    def title_xml(self, t):
        if self.title_cdata:
            return cdata(entityize(t, self.rng, self.entity_rate))
        return xml_escape(t)

    def rss(self):
        r = self.rng
        i1 = self.indent
        i2 = i1 * 2
        i3 = i1 * 3
        nl = "\r\n" if self.crlf else "\n"
        site = "https://" + self.domain
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
               'xmlns:slash="http://purl.org/rss/1.0/modules/slash/">',
               i1 + "<channel>",
               i2 + "<title>%s</title>" % xml_escape(self.style(self.site)),
               i2 + "<link>%s/</link>" % site,
               i2 + "<description>%s</description>" % cdata(self.style(
                   "Trang thông tin điện tử " + self.site)),
               i2 + '<atom:link href="%s/rss/tin-tuc.rss" rel="self" type="application/rss+xml" />' % site,
               i2 + "<language>vi-vn</language>",
               i2 + "<generator>%s</generator>" % r.choice(["NukeViet v4.5", "DotNetNuke", "Joomla! 3",
                                                             "WordPress 6.4", "Portal CMS"]),
               i2 + "<lastBuildDate>%s</lastBuildDate>" % self.rfc822(self.t),
               i2 + "<ttl>%d</ttl>" % r.choice([15, 20, 30, 60]),
               i2 + "<image>",
               i3 + "<url>%s/images/logo.png</url>" % site,
               i3 + "<title>%s</title>" % xml_escape(self.style(self.site)),
               i3 + "<link>%s/</link>" % site,
               i2 + "</image>"]
        for _ in range(self.n_items):
            self.next_id += r.randint(1, 40)
            title = self.maybe_nfd(self.title())
            link = "%s/tin-tuc/%s-%d.html" % (site, slugify(title), self.next_id)
            plain = self.text(200, 1500 if self.desc_style != "vnexpress" else 500)
            desc = self.html_desc(link, plain)
            lines = [i2 + "<item>",
                     i3 + "<title>%s</title>" % self.title_xml(title),
                     i3 + "<link>%s</link>" % link]
            if self.desc_style == "escaped":
                lines.append(i3 + "<description>%s</description>" % xml_escape(
                    entityize(desc, r, self.entity_rate)))
            else:
                lines.append(i3 + "<description>%s</description>" % cdata(entityize(desc, r, self.entity_rate)))
            if self.content and r.random() < 0.7:
                lines.append(i3 + "<content:encoded>%s</content:encoded>" % cdata(self.article(link)))
            lines.append(i3 + "<pubDate>%s</pubDate>" % self.rfc822(self.date_text()))
            if self.guid == "link":
                lines.append(i3 + '<guid isPermaLink="true">%s</guid>' % link)
            elif self.guid == "id":
                lines.append(i3 + '<guid isPermaLink="false">%s-%d</guid>' % (self.domain, self.next_id))
            for c in self.categories():
                lines.append(i3 + "<category>%s</category>" % xml_escape(c))
            if self.creator:
                lines.append(i3 + "<dc:creator>%s</dc:creator>" % self.person())
            if self.enclosure:
                lines.append(i3 + '<enclosure url="%s" length="%d" type="image/jpeg" />' % (
                    self.img_url(False), r.randint(20000, 400000)))
            if r.random() < 0.2:
                lines.append(i3 + "<slash:comments>%d</slash:comments>" % r.randint(0, 50))
            lines.append(i2 + "</item>")
            out.extend(lines)
        out.append(i1 + "</channel>")
        out.append("</rss>")
        return nl.join(out) + nl

    def atom(self):
        r = self.rng
        i1 = self.indent
        i2 = i1 * 2
        site = "https://" + self.domain
        out = ['<?xml version="1.0" encoding="utf-8"?>',
               '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi" xml:base="%s/">' % site,
               i1 + "<title>%s</title>" % xml_escape(self.style(self.site)),
               i1 + "<subtitle>%s</subtitle>" % xml_escape(self.style("Tin hoạt động công tác dân vận")),
               i1 + '<link rel="alternate" type="text/html" href="/" />',
               i1 + '<link rel="self" type="application/atom+xml" href="feed/atom.xml" />',
               i1 + "<id>tag:%s,2010:/feed</id>" % self.domain,
               i1 + "<updated>%s</updated>" % self.rfc3339(self.t),
               i1 + '<generator uri="https://www.joomla.org">Joomla! - Open Source Content Management</generator>']
        for _ in range(self.n_items):
            self.next_id += r.randint(1, 40)
            title = self.maybe_nfd(self.title())
            rel = "tin-tuc/%s/%s-%d.html" % (r.choice(["hoat-dong", "dan-van-kheo", "mat-tran"]),
                                             slugify(title), self.next_id)
            t = self.date_text()
            lines = [i1 + "<entry>"]
            if self.title_cdata:
                lines.append(i2 + '<title type="html">%s</title>' % xml_escape(
                    entityize(title, r, self.entity_rate)))
            else:
                lines.append(i2 + "<title>%s</title>" % xml_escape(title))
            lines.append(i2 + '<link rel="alternate" type="text/html" href="%s" />' % (
                ("/" + rel) if r.random() < 0.3 else rel))
            lines.append(i2 + "<id>%s</id>" % (
                "tag:%s,2010:%d" % (self.domain, self.next_id) if self.guid != "link" else site + "/" + rel))
            lines.append(i2 + "<published>%s</published>" % self.rfc3339(t))
            lines.append(i2 + "<updated>%s</updated>" % self.rfc3339(t + r.choice([0, 0, 600, 7200])))
            if self.creator:
                lines.append(i2 + "<author><name>%s</name><email>banbientap@%s</email></author>" % (
                    self.person(), self.domain))
            for c in self.categories():
                lines.append(i2 + '<category term="%s" label="%s" />' % (attr_escape(slugify(c)), attr_escape(c)))
            plain = self.text(200, 1500)
            desc = self.html_desc(rel, plain)
            if self.desc_style == "plain":
                lines.append(i2 + '<summary type="text">%s</summary>' % xml_escape(plain))
            else:
                lines.append(i2 + '<summary type="html">%s</summary>' % xml_escape(
                    entityize(desc, r, self.entity_rate)))
            if self.content and r.random() < 0.7:
                art = self.article(rel)
                if r.random() < 0.2:
                    lines.append(i2 + '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">%s</div>'
                                 '</content>' % art.replace("<br>", "<br />"))
                elif r.random() < 0.5:
                    lines.append(i2 + '<content type="html" xml:base="%s/tin-tuc/">%s</content>' % (
                        site, cdata(entityize(art, r, self.entity_rate))))
                else:
                    lines.append(i2 + '<content type="html">%s</content>' % xml_escape(art))
            lines.append(i1 + "</entry>")
            out.extend(lines)
        out.append("</feed>")
        return "\n".join(out) + "\n"


def generate(outdir, script_hash):
    os.makedirs(outdir, exist_ok=True)
    for name in sorted(os.listdir(outdir)):
        if name.endswith(".xml") or name == MANIFEST:
            os.unlink(os.path.join(outdir, name))
    rows = []
    total = 0
    i = 0
    while total < TARGET_BYTES:
        kind = "rss" if i % 2 == 0 else "atom"
        rng = random.Random(SEED * 1000 + i)
        feed = Feed(rng, i, kind)
        doc = feed.rss() if kind == "rss" else feed.atom()
        data = doc.encode("utf-8")
        name = "%s-%03d.xml" % (kind, i)
        path = os.path.join(outdir, name)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
        rows.append((name, len(data), feed.n_items))
        total += len(data)
        i += 1
    # The manifest goes last: a half-written corpus has none and is redone.
    with open(os.path.join(outdir, MANIFEST + ".tmp"), "w") as f:
        f.write("# gen_corpus.py sha256=%s\n" % script_hash)
        for name, size, items in rows:
            f.write("%s\t%d\t%d\n" % (name, size, items))
    os.rename(os.path.join(outdir, MANIFEST + ".tmp"), os.path.join(outdir, MANIFEST))
    return rows


def read_manifest(outdir):
    """Return (header, [(name, size, items)]) or None."""
    try:
        with open(os.path.join(outdir, MANIFEST)) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    rows = []
    for line in lines[1:]:
        name, size, items = line.split("\t")
        rows.append((name, int(size), int(items)))
    return lines[0] if lines else "", rows


def up_to_date(outdir, script_hash):
    m = read_manifest(outdir)
    if m is None or m[0] != "# gen_corpus.py sha256=%s" % script_hash:
        return False
    for name, size, _ in m[1]:
        try:
            if os.path.getsize(os.path.join(outdir, name)) != size:
                return False
        except OSError:
            return False
    return True


def main(argv):
    force = "--force" in argv
    args = [a for a in argv if a != "--force"]
    outdir = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    with open(os.path.abspath(__file__), "rb") as f:
        script_hash = hashlib.sha256(f.read()).hexdigest()
    if not force and up_to_date(outdir, script_hash):
        print("corpus: %s is up to date" % outdir)
        return 0
    print("corpus: generating %s (>= %d MB, deterministic)..." % (outdir, TARGET_BYTES // 1000000), flush=True)
    rows = generate(outdir, script_hash)
    print("corpus: %d files, %.1f MB, %d items" % (
        len(rows), sum(r[1] for r in rows) / 1e6, sum(r[2] for r in rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
