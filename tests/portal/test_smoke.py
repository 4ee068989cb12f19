from typing import Any


def test_registration_then_cabinet(register: Any, web: Any) -> None:
    user = register()
    response = web.get("/cabinet/")
    assert response.status_code == 200
    assert user.full_name in response.content.decode()
