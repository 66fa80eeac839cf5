@echo off
rem Opens the cds_batch web page (cds-batch serve) from the install CAI-DAT.bat made. The desktop and
rem start-menu shortcuts point at the copy CAI-DAT.bat keeps in %LOCALAPPDATA%\cds_batch.
setlocal EnableExtensions DisableDelayedExpansion
chcp 65001 >nul
title cds-batch

if not defined LOCALAPPDATA goto not_installed
set "PY=%LOCALAPPDATA%\cds_batch\venv\Scripts\python.exe"
if not exist "%PY%" goto not_installed

echo Đang mở trang web của cds-batch. Giữ cửa sổ này mở trong khi dùng trang;
echo đóng cửa sổ (hoặc nhấn Ctrl+C) khi xong việc.
echo.
"%PY%" -m cds_batch serve
if errorlevel 1 goto failed
exit /b 0

:not_installed
echo cds-batch chưa được cài đặt cho người dùng này.
echo Hãy chạy CAI-DAT.bat trong thư mục đã giải nén từ tệp .zip trước.
pause
exit /b 1

:failed
echo.
echo cds-batch đã dừng vì lỗi ở trên. Hãy chụp màn hình cửa sổ này gửi người hỗ trợ,
echo hoặc xem mục "Khi có lỗi" trong tệp "ĐỌC TRƯỚC.txt".
pause
exit /b 1
