# A service is imported by its unit name without ".service".
terraform import switchyard_service.app app
