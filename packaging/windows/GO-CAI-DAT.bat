@echo off
rem Uninstalls cds_batch for this Windows user: the venv, the launchers and the shortcuts. The data
rem folder (the rounds; cds_batch.web.server.default_data) is kept unless the user asks to delete it.
setlocal EnableExtensions DisableDelayedExpansion
chcp 65001 >nul
title cds-batch - gỡ cài đặt

if not defined LOCALAPPDATA goto no_profile
set "APP=%LOCALAPPDATA%\cds_batch"
set "DATA=%USERPROFILE%\cds-batch"

rem cmd.exe reads a batch file while running it, so the copy inside the folder being removed hands
rem over to a copy in TEMP (a batch started without "call" does not return).
if /i not "%~f0"=="%APP%\GO-CAI-DAT.bat" goto confirm
if not defined TEMP goto confirm
copy /y "%~f0" "%TEMP%\cds-batch-go-cai-dat.bat" >nul
if errorlevel 1 goto confirm
"%TEMP%\cds-batch-go-cai-dat.bat"

:confirm
echo ==============================================================
echo  Gỡ cài đặt cds-batch cho người dùng này.
echo ==============================================================
echo Sẽ xóa chương trình trong thư mục:
echo "%APP%"
echo và các lối tắt cds-batch trên màn hình, trong menu Start.
echo Dữ liệu các đợt tổng hợp được giữ lại (bạn sẽ được hỏi riêng).
echo.
choice /c CK /n /m "Gỡ cài đặt cds-batch? Nhấn C (có) hoặc K (không): "
if errorlevel 2 goto cancelled

rem Leave the folder first: Windows cannot remove the folder a window is working in.
cd /d "%USERPROFILE%"
if not exist "%APP%" goto shortcuts
rmdir /s /q "%APP%" >nul 2>&1
if exist "%APP%" goto in_use

:shortcuts
powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "Remove-Item -LiteralPath (Join-Path ([Environment]::GetFolderPath('Desktop')) 'cds-batch.lnk') -Force -ErrorAction SilentlyContinue; Remove-Item -LiteralPath (Join-Path ([Environment]::GetFolderPath('Programs')) 'cds-batch') -Recurse -Force -ErrorAction SilentlyContinue" >nul 2>&1
echo Đã gỡ chương trình và các lối tắt.
echo.

if not exist "%DATA%" goto done
echo Thư mục dữ liệu (mọi đợt tổng hợp: phiếu đã nhận, kết quả, sổ nhận tệp):
echo "%DATA%"
echo Nên GIỮ LẠI thư mục này. Nếu muốn xóa, hãy chép nó sang nơi khác để lưu trước.
choice /c CK /n /m "Xóa luôn thư mục dữ liệu này? Nhấn C (có, xóa hẳn) hoặc K (không, giữ lại): "
if errorlevel 2 goto data_kept
rmdir /s /q "%DATA%" >nul 2>&1
if exist "%DATA%" goto data_in_use
echo Đã xóa thư mục dữ liệu.
goto done

:data_kept
echo Đã giữ lại thư mục dữ liệu. Khi cài lại cds-batch, các đợt cũ vẫn còn nguyên.
goto done

:data_in_use
echo Không xóa hết được thư mục dữ liệu: có tệp trong đó đang mở (ví dụ trong Excel).
echo Hãy đóng các tệp đó rồi xóa thư mục trên bằng tay nếu muốn.
goto done

:done
echo.
echo Xong.
pause
exit /b 0

:cancelled
echo Đã hủy: chưa gỡ gì cả.
pause
exit /b 0

:no_profile
echo Không tìm thấy thư mục hồ sơ của người dùng (biến LOCALAPPDATA trống).
echo Hãy đăng nhập Windows bằng tài khoản của mình rồi chạy lại GO-CAI-DAT.bat.
pause
exit /b 1

:in_use
echo Không xóa được thư mục chương trình: cds-batch có lẽ đang chạy.
echo Hãy đóng cửa sổ đen của cds-batch (hoặc khởi động lại máy), rồi chạy lại "Gỡ cài đặt cds-batch".
pause
exit /b 1
