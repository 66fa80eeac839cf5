@echo off
rem Installs cds_batch for this Windows user from the unzipped bundle: no admin rights, no internet.
rem The bundle is built by scripts/build_windows_bundle.py, which writes this file with CRLF line
rem endings and checks it (scripts/windows_batch_lint.py). Comments stay ASCII until chcp 65001,
rem after which cmd.exe reads the following lines as UTF-8.
setlocal EnableExtensions DisableDelayedExpansion
chcp 65001 >nul
title cds-batch - cài đặt

rem Every path below is quoted: user names may hold spaces, Vietnamese letters, "&" or parentheses.
set "HERE=%~dp0"
if not defined LOCALAPPDATA goto no_profile
set "APP=%LOCALAPPDATA%\cds_batch"
set "VENV=%APP%\venv"
set "LOG=%APP%\cai-dat.log"
rem An office PC may carry a pip configuration (a company index, "user = true"): this install ignores it.
set "PIP_CONFIG_FILE=nul"

echo ==============================================================
echo  Cài đặt cds-batch cho người dùng này (không cần quyền quản trị,
echo  không cần Internet).
echo ==============================================================
echo.

if not exist "%HERE%wheels\cds_batch-*.whl" goto not_extracted

rem The py launcher comes with every python.org installer; -64 asks for the 64-bit build the wheels are for.
set "PYVER="
for %%V in (3.13 3.12 3.11) do (
  if not defined PYVER (
    py -%%V-64 -c "import venv, ensurepip" >nul 2>&1 && set "PYVER=%%V"
  )
)
if not defined PYVER goto no_python
echo Đã tìm thấy Python %PYVER% (64-bit).

if not exist "%APP%" mkdir "%APP%"
if not exist "%APP%" goto cannot_write
rem A previous install is replaced whole: its Python version may differ from the one found now.
if not exist "%VENV%\Scripts" goto create_venv
echo Đang gỡ bản cài đặt cũ...
rmdir /s /q "%VENV%" >nul 2>&1
if exist "%VENV%\Scripts" goto in_use

:create_venv
echo Đang tạo môi trường Python riêng cho cds-batch...
py -%PYVER%-64 -m venv "%VENV%" >"%LOG%" 2>&1
if errorlevel 1 goto venv_failed

echo Đang cài cds-batch từ thư mục "wheels" (không dùng Internet)...
"%VENV%\Scripts\python.exe" -m pip --isolated install --no-index --find-links "%HERE%wheels" --disable-pip-version-check --no-warn-script-location --no-cache-dir cds_batch >>"%LOG%" 2>&1
if errorlevel 1 goto pip_failed
"%VENV%\Scripts\python.exe" -m cds_batch --version >>"%LOG%" 2>&1
if errorlevel 1 goto pip_failed

rem The launcher, the uninstaller and the guide are kept beside the venv, so the zip can be deleted.
copy /y "%HERE%MO-CDS-BATCH.bat" "%APP%\MO-CDS-BATCH.bat" >nul
if errorlevel 1 goto cannot_write
copy /y "%HERE%GO-CAI-DAT.bat" "%APP%\GO-CAI-DAT.bat" >nul
if errorlevel 1 goto cannot_write
if exist "%APP%\huong-dan" rmdir /s /q "%APP%\huong-dan"
if not exist "%HERE%huong-dan\huong-dan-su-dung.html" goto shortcuts
xcopy "%HERE%huong-dan" "%APP%\huong-dan" /e /i /q /y >nul
if errorlevel 1 goto cannot_write

:shortcuts
echo Đang tạo lối tắt trên màn hình và trong menu Start...
set "LINK_OK=1"
set "LINK_WORKDIR=%APP%"
set "LINK_FOLDER=Desktop"
set "LINK_SUBFOLDER="
set "LINK_NAME=cds-batch"
set "LINK_TARGET=%APP%\MO-CDS-BATCH.bat"
set "LINK_DESC=Mở trang web của cds-batch: tổng hợp phiếu tự đánh giá chuyển đổi số"
call :shortcut
set "LINK_FOLDER=Programs"
set "LINK_SUBFOLDER=cds-batch"
call :shortcut
set "LINK_NAME=Gỡ cài đặt cds-batch"
set "LINK_TARGET=%APP%\GO-CAI-DAT.bat"
set "LINK_DESC=Gỡ cds-batch khỏi máy này (giữ lại dữ liệu nếu bạn muốn)"
call :shortcut
if not exist "%APP%\huong-dan\huong-dan-su-dung.html" goto done
set "LINK_NAME=Hướng dẫn sử dụng cds-batch"
set "LINK_TARGET=%APP%\huong-dan\huong-dan-su-dung.html"
set "LINK_DESC=Hướng dẫn sử dụng cds-batch bằng tiếng Việt"
call :shortcut

:done
echo.
echo ==============================================================
echo  Đã cài đặt xong cds-batch.
echo ==============================================================
echo  - Mở: nháy đúp lối tắt "cds-batch" trên màn hình hoặc trong menu
echo    Start. Một cửa sổ đen mở ra và trình duyệt hiện trang cds-batch;
echo    giữ cửa sổ đen mở trong khi dùng trang.
echo  - Dữ liệu các đợt tổng hợp nằm trong thư mục:
echo    "%USERPROFILE%\cds-batch"
echo  - Chương trình nằm trong thư mục:
echo    "%APP%"
echo  - Gỡ cài đặt: menu Start, thư mục cds-batch, "Gỡ cài đặt cds-batch".
if not defined LINK_OK echo  - Chưa tạo được lối tắt: mở cds-batch bằng tệp MO-CDS-BATCH.bat trong thư mục chương trình ở trên.
echo.
choice /c CK /n /m "Mở cds-batch ngay bây giờ? Nhấn C (có) hoặc K (không): "
if errorlevel 2 goto finish
start "cds-batch" "%APP%\MO-CDS-BATCH.bat"
:finish
exit /b 0

rem ---- subroutine: one shortcut from the LINK_* variables (PowerShell reads them from the environment,
rem so names with Vietnamese letters never pass through a command line) ----
:shortcut
powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$ErrorActionPreference = 'Stop'; $dir = [Environment]::GetFolderPath($env:LINK_FOLDER); if ($env:LINK_SUBFOLDER) { $dir = Join-Path $dir $env:LINK_SUBFOLDER; New-Item -ItemType Directory -Force -Path $dir | Out-Null }; $link = (New-Object -ComObject WScript.Shell).CreateShortcut((Join-Path $dir ($env:LINK_NAME + '.lnk'))); $link.TargetPath = $env:LINK_TARGET; $link.WorkingDirectory = $env:LINK_WORKDIR; $link.Description = $env:LINK_DESC; $link.Save()" >>"%LOG%" 2>&1
if errorlevel 1 set "LINK_OK="
exit /b 0

rem ---- what went wrong, in words the office can act on ----
:no_profile
echo Không tìm thấy thư mục hồ sơ của người dùng (biến LOCALAPPDATA trống).
echo Hãy đăng nhập Windows bằng tài khoản của mình rồi chạy lại CAI-DAT.bat.
goto failed

:not_extracted
echo Không thấy thư mục "wheels" bên cạnh CAI-DAT.bat.
echo Tệp .zip chưa được giải nén đầy đủ. Hãy nháy chuột phải vào tệp .zip, chọn "Extract All"
echo ("Trích xuất tất cả" hoặc "Giải nén tất cả"), rồi chạy CAI-DAT.bat trong thư mục vừa giải nén.
goto failed

:no_python
echo Không tìm thấy Python 3.13, 3.12 hoặc 3.11 bản 64-bit trên máy này.
echo Hãy cài Python theo hướng dẫn trong tệp "ĐỌC TRƯỚC.txt" (mục 1), rồi chạy lại CAI-DAT.bat.
goto failed

:cannot_write
echo Không ghi được vào thư mục:
echo "%APP%"
echo Hãy kiểm tra ổ đĩa còn chỗ trống, rồi chạy lại CAI-DAT.bat.
goto failed

:in_use
echo Không gỡ được bản cài đặt cũ: cds-batch có lẽ đang chạy.
echo Hãy đóng cửa sổ đen của cds-batch (hoặc khởi động lại máy), rồi chạy lại CAI-DAT.bat.
goto failed

:venv_failed
echo Python %PYVER% không tạo được môi trường cho cds-batch.
echo Hãy cài lại Python theo "ĐỌC TRƯỚC.txt" (mục 1), rồi chạy lại CAI-DAT.bat.
echo Chi tiết kỹ thuật (để gửi người hỗ trợ) nằm trong tệp:
echo "%LOG%"
goto failed

:pip_failed
echo Không cài được cds-batch từ thư mục "wheels".
echo Có thể tệp .zip bị hỏng khi tải về: hãy tải lại, giải nén lại rồi chạy CAI-DAT.bat.
echo Chi tiết kỹ thuật (để gửi người hỗ trợ) nằm trong tệp:
echo "%LOG%"
goto failed

:failed
echo.
echo Chưa cài đặt được cds-batch. Xem thêm mục "Khi có lỗi" trong tệp "ĐỌC TRƯỚC.txt".
pause
exit /b 1
